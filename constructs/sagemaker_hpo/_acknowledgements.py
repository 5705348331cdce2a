"""Acknowledgements of policy-validation findings that the library's own constructs cause by design.

The library never imports cdk-nag (a development dependency only): it records acknowledgements with aws-cdk-lib's
core ``Validations.of(scope).acknowledge`` API, which any validation plugin registered with
``Validations.of(app).add_plugins(...)`` (cdk-nag's ``AwsSolutionsChecks`` among them) honours. Each
acknowledgement names one exact finding (e.g. ``AwsSolutions-IAM5[Resource::*]``), is recorded on the construct that
owns the resource (so it covers that construct's resources only) and carries the reason; cdk-nag lists it with its
reason under ``suppressedViolations`` in the cloud assembly's ``validation-report.json``.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct, IValidation

#: The rule-pack namespace of cdk-nag's ``AwsSolutionsChecks`` findings.
AWS_SOLUTIONS = "AwsSolutions"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge the AwsSolutions finding ``rule_id`` (e.g. ``AwsSolutions-SF2``) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{AWS_SOLUTIONS}::{rule_id}", reason=reason))


def flatten_reference(value: Any) -> str:
    """A resolved CloudFormation value as the flat string cdk-nag names findings by.

    ``{"Fn::GetAtt": ["Bucket", "Arn"]}`` becomes ``<Bucket.Arn>``, ``{"Ref": "AWS::Region"}`` becomes
    ``<AWS::Region>`` and ``Fn::Join`` joins its parts (the same rules as cdk-nag's ``flattenCfnReference``).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten_reference(item) for item in items)
        if "Fn::Sub" in value:
            return flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in value:
            return flatten_reference(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def acknowledge_wildcard_resource(scope: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge the ``AwsSolutions-IAM5`` finding for one wildcard resource of ``scope``'s policies.

    ``resource`` is the resource exactly as granted (it may hold tokens); nothing is acknowledged when it holds no
    ``*``. The finding's name depends on how the resource resolves in ``scope``'s stack, which is final only once CDK
    has resolved cross-stack references (a bucket of another stack is then named by its ``Fn::ImportValue``
    export): so the acknowledgement is recorded by a construct validation, which runs after that and before any
    validation plugin. One validation per scope holds all of its wildcard resources (a role granted many prefixes
    has as many) and resolves them together.
    """
    acknowledgements = _WILDCARDS.get(scope)
    if acknowledgements is None:
        acknowledgements = _WILDCARDS[scope] = _WildcardAcknowledgements(scope)
        scope.node.add_validation(acknowledgements)
    acknowledgements.add(resource, reason)


@jsii.implements(IValidation)
class _WildcardAcknowledgements:
    """Acknowledges the wildcard resources of one scope under their final names; validation runs after references
    are resolved."""

    def __init__(self, scope: IConstruct) -> None:
        self._scope = scope
        self._pending: list[tuple[str, str]] = []
        self._done: set[tuple[str, str]] = set()

    def add(self, resource: str, reason: str) -> None:
        """Acknowledge ``resource`` (as granted) with ``reason`` when the scope is validated."""
        self._pending.append((resource, reason))

    def validate(self) -> list[str]:
        pending, self._pending = self._pending, []
        if not pending:
            return []
        resolved = Stack.of(self._scope).resolve([resource for resource, _ in pending])  # one round trip for all
        for value, (_, reason) in zip(resolved, pending, strict=True):
            flat = flatten_reference(value)
            rule = f"{AWS_SOLUTIONS}-IAM5[Resource::{flat}]"
            if "*" in flat and (rule, reason) not in self._done:
                self._done.add((rule, reason))
                acknowledge(self._scope, rule, reason)
        return []


#: The wildcard acknowledgements of each scope, held as long as the scope is.
_WILDCARDS: weakref.WeakKeyDictionary[IConstruct, _WildcardAcknowledgements] = weakref.WeakKeyDictionary()
