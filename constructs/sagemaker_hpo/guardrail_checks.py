"""Where guardrails are checked: each ``TuningJob`` as it is defined (synth time), and a team app's deployment.

Synth time: a platform, a team and ``HpoPlatform.from_parameters`` (when it knows the guardrails) call
:func:`guard_provider`; every ``TuningJob`` of that provider in the app is then checked against them as it is defined
(:func:`check_tuning_job`), and the jobs defined before are checked at once. A violation raises
``ValidationError`` in Python, with the job's path, the field and the rule id (``HPO-GUARD-*``); an Aspect could only
raise it through jsii, as a ``RuntimeError`` with a JavaScript stack.

Deploy time: rule functions of CloudFormation cannot match wildcards, compare numbers or parse JSON, so instance-type
patterns and limits stay synth-time checks. What a deployment can check is that the app was checked at all, and
against the guardrails the platform publishes now: every platform and team publishes ``guardrails-digest`` (the
digest of its guardrails, ``none`` without), and a stack whose jobs use an imported provider carries a rule
``Fn::Equals(<published digest>, <digest the app was checked against, or none>)`` with a message saying how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import CfnRule, CfnRuleAssertion, Fn
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct

from ._tree import root_of
from .parameter_schema import GUARDRAILS_DIGEST

if TYPE_CHECKING:  # pragma: no cover
    from .guardrails import Guardrails
    from .tuning_job import TuningJob

#: The key of the digest parameter every platform and team publishes under its namespace.
GUARDRAILS_DIGEST_KEY = GUARDRAILS_DIGEST.key
#: The digest of no guardrails (and of an app that was not checked against any).
NO_GUARDRAILS = "none"
#: The construct id of the drift rule under an imported platform.
DRIFT_RULE_ID = "GuardrailsDriftCheck"


def guardrails_digest(guardrails: Guardrails | None) -> str:
    """The digest of ``guardrails``: ``sha256:`` and 32 hex digits of their canonical JSON; ``none`` for ``None``."""
    if guardrails is None:
        return NO_GUARDRAILS
    text = json.dumps(guardrails.to_json(), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Binding:
    guardrails: Guardrails
    subnet_ids: tuple[str, ...]
    key_arn: str | None
    volume_key_arn: str | None = None


@dataclass
class _DriftCheck:
    """An imported platform's (or team's) drift rule, added to its stack when a job first uses its provider."""

    scope: Construct
    parameter_name: str
    checked: str
    owner: str
    added: bool = False


#: Per app (its root construct): the guardrails of each guarded provider, by service token.
_GUARDED: weakref.WeakKeyDictionary[IConstruct, dict[str, list[_Binding]]] = weakref.WeakKeyDictionary()
#: Per app: how many ``TuningJob`` constructs it has checked so far (none: no tree walk when guardrails arrive).
_JOBS_SEEN: weakref.WeakKeyDictionary[IConstruct, int] = weakref.WeakKeyDictionary()
#: Per app: the drift check of each imported provider, by service token.
_DRIFT: weakref.WeakKeyDictionary[IConstruct, dict[str, _DriftCheck]] = weakref.WeakKeyDictionary()


def guard_provider(
    scope: IConstruct,
    service_token: str,
    guardrails: Guardrails,
    *,
    subnet_ids: Sequence[str] = (),
    key_arn: str | None = None,
    volume_key_arn: str | None = None,
) -> None:
    """Check every ``TuningJob`` of the app of ``scope`` whose provider has ``service_token`` against ``guardrails``:
    those defined later as they are defined, those defined already now.

    :raises ValidationError: when a job defined already breaks a guardrail.
    """
    binding = _Binding(guardrails, tuple(subnet_ids), key_arn, volume_key_arn)
    root = scope.node.root
    _GUARDED.setdefault(root, {}).setdefault(service_token, []).append(binding)
    if not _JOBS_SEEN.get(root):
        return
    from .tuning_job import TuningJob

    for node in root.node.find_all():
        if isinstance(node, TuningJob) and node.provider.service_token == service_token:
            _check(node, binding)


def guardrails_of(scope: IConstruct, service_token: str) -> list[Guardrails]:
    """The guardrails the jobs of the provider with ``service_token`` are checked against in the app of ``scope``."""
    return [b.guardrails for b in _GUARDED.get(scope.node.root, {}).get(service_token, [])]


def check_tuning_job(job: TuningJob) -> None:
    """Check ``job`` against the guardrails of its provider (if any), and add its imported provider's drift rule.

    :raises ValidationError: when the job breaks a guardrail (the message names the job's path, the field and the
        rule id).
    """
    root = root_of(job)
    _JOBS_SEEN[root] = _JOBS_SEEN.get(root, 0) + 1
    token = job.provider.service_token
    for binding in _GUARDED.get(root, {}).get(token, []):
        _check(job, binding)
    drift = _DRIFT.get(root, {}).get(token)
    if drift is not None and not drift.added:
        _add_drift_rule(drift)


def _check(job: TuningJob, binding: _Binding) -> None:
    binding.guardrails.check(
        job.node.path,
        job.request,
        subnet_ids=binding.subnet_ids,
        key_arn=binding.key_arn,
        volume_key_arn=binding.volume_key_arn,
    )


def register_drift_check(
    scope: Construct, service_token: str, *, parameter_name: str, checked: Guardrails | None, owner: str
) -> None:
    """Make the jobs of the imported provider ``service_token`` deployable only while the guardrails published in
    ``parameter_name`` (a ``guardrails-digest`` parameter) are ``checked``: the first job adds a CloudFormation rule
    to the stack of ``scope`` (an ``ImportedHpoPlatform``); ``owner`` names the platform or team in its message."""
    check = _DriftCheck(scope, parameter_name, guardrails_digest(checked), owner)
    _DRIFT.setdefault(scope.node.root, {})[service_token] = check


def _add_drift_rule(check: _DriftCheck) -> None:
    check.added = True
    published = ssm.StringParameter.value_for_string_parameter(check.scope, check.parameter_name)
    if check.checked == NO_GUARDRAILS:
        message = (
            f"The tuning jobs of this stack were not checked against the guardrails of {check.owner} at synth time, "
            f"and {check.parameter_name} says it has guardrails now. Synthesize with the stack's account and region "
            "set (the published guardrails are then read by a context lookup) or pass "
            "HpoPlatform.from_parameters(..., guardrails=<its guardrails>), then deploy again"
        )
    else:
        message = (
            f"The guardrails of {check.owner} ({check.parameter_name}) are no longer the ones this stack's tuning "
            f"jobs were checked against ({check.checked}). Refresh them (remove the cached lookup of its guardrails "
            "parameter from cdk.context.json, or update guardrails=...), synthesize and deploy again"
        )
    CfnRule(
        check.scope,
        DRIFT_RULE_ID,
        assertions=[
            CfnRuleAssertion(assert_=Fn.condition_equals(published, check.checked), assert_description=message)
        ],
    )
