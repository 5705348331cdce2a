"""Acknowledgements for the helper functions that aws-cdk-lib and cdklabs create in the roll-out's stacks
(``BucketDeployment``, ``AwsCustomResource``): their roles are not ours to shape."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct, IValidation

from .._acknowledgements import acknowledge, flatten_reference

#: Each helper (by the start of its construct id, a fixed id its library gives the singleton) and why its
#: findings are acceptable, per cdk-nag rule.
HELPER_REASONS: dict[str, dict[str, str]] = {
    "Custom::CDKBucketDeployment": {
        "AwsSolutions-IAM4": "aws-cdk-lib's BucketDeployment function uses AWSLambdaBasicExecutionRole (CloudWatch "
        "Logs only); its role is not configurable",
        "AwsSolutions-IAM5": "aws-cdk-lib's BucketDeployment copies the member template's assets: it reads the CDK "
        "assets bucket's objects and writes the central asset buckets' objects (its grantRead/grantReadWrite "
        "wildcards, on those buckets only)",
        "AwsSolutions-L1": "aws-cdk-lib pins the BucketDeployment function's runtime; it is not configurable",
    },
    "AWS679f53fac002430cb0da5b7982bd2287": {
        "AwsSolutions-IAM4": "aws-cdk-lib's AwsCustomResource function (the organisation id lookup) uses "
        "AWSLambdaBasicExecutionRole (CloudWatch Logs only); its role is not configurable",
    },
}


def acknowledge_helper_findings(stack: Stack) -> None:
    """Acknowledge the exact findings of ``stack``'s helper functions, with :data:`HELPER_REASONS`' reasons.

    Some helpers are created while the member template is synthesized, so this runs as a validation: after the
    construct tree is complete and before any validation plugin."""
    stack.node.add_validation(_HelperAcknowledgements(stack))


def _findings(helper: IConstruct, rules: dict[str, str]) -> list[tuple[str, str]]:
    """The exact cdk-nag finding ids of ``helper``'s roles, policies and functions that ``rules`` covers."""
    stack = Stack.of(helper)
    found: list[tuple[str, str]] = []
    for node in helper.node.find_all():
        if isinstance(node, iam.CfnRole) and "AwsSolutions-IAM4" in rules:
            for arn in stack.resolve(node.managed_policy_arns) or []:
                found.append((f"AwsSolutions-IAM4[Policy::{flatten_reference(arn)}]", rules["AwsSolutions-IAM4"]))
        if isinstance(node, iam.CfnPolicy) and "AwsSolutions-IAM5" in rules:
            document: dict[str, Any] = stack.resolve(node.policy_document)
            for statement in document.get("Statement", []):
                for key, kind in (("Action", "Action"), ("Resource", "Resource")):
                    values = statement.get(key, [])
                    for value in values if isinstance(values, list) else [values]:
                        flat = flatten_reference(value)
                        if "*" in flat:
                            found.append((f"AwsSolutions-IAM5[{kind}::{flat}]", rules["AwsSolutions-IAM5"]))
        if isinstance(node, lambda_.CfnFunction) and "AwsSolutions-L1" in rules:
            found.append(("AwsSolutions-L1", rules["AwsSolutions-L1"]))
    return found


@jsii.implements(IValidation)
class _HelperAcknowledgements:
    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._done = False

    def validate(self) -> list[str]:
        if not self._done:
            self._done = True
            for child in self._stack.node.children:
                for prefix, rules in HELPER_REASONS.items():
                    if child.node.id.startswith(prefix):
                        for rule_id, reason in dict(_findings(child, rules)).items():
                            acknowledge(child, rule_id, reason)
        return []
