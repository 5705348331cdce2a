"""CloudFormation's per-stack limits, checked when a stack holding tuning jobs is synthesized.

A stack may declare at most 500 resources, and its template may be at most 1 MB when CloudFormation reads it from S3,
which is how the CDK deploys templates with its default (bootstrapped) synthesizer. The 51,200-byte limit applies only
to a template passed inline in the API request, which ``cdk deploy`` does not do with the default synthesizer. Each
``TuningJob`` is one resource of about 3 KB, so a stack of many tuning jobs reaches the size limit first; without a
check, the deployment fails only when CloudFormation rejects the template.

``StackLimits.of(scope)`` attaches one validation per stack (``TuningJobProvider`` and ``TuningJob`` call it). At synth
time it counts the stack's resources exactly, estimates its template size and then

- fails the synthesis with an error naming the stack, its resource count or estimated size, the limit and what to do,
  when a limit is exceeded;
- adds a warning (``sagemaker-hpo:StackLimits``) when a stack uses more than ``WARNING_FRACTION`` of a limit.

The estimate renders every resource as CloudFormation will see it: a tuning job from the properties its construct
wrote (no round trip to the CDK per job), any other resource from its CloudFormation properties, dependencies, policies
and metadata (property overrides are not visible through jsii and are not counted). The distinct deploy-time tokens of
all of them are resolved in one call. Parameters, Rules, Mappings, Outputs and Conditions count at a typical size each.
The check costs a few milliseconds per resource that is not a tuning job, and a fraction of one per tuning job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    CfnCondition,
    CfnElement,
    CfnMapping,
    CfnOutput,
    CfnParameter,
    CfnResource,
    CfnRule,
    Stack,
    Token,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from ._contract import contract

#: CloudFormation's limit on the resources one stack declares.
MAX_RESOURCES = 500
#: CloudFormation's limit on a template body read from S3 ("1 MB"; taken as 1,000,000 bytes, the safe reading).
MAX_TEMPLATE_BYTES = 1_000_000
#: CloudFormation's limit on a template body passed inline in a ``CreateStack``/``UpdateStack`` request. The CDK
#: uploads templates to the bootstrap bucket and passes their URL, so it does not apply to ``cdk deploy``.
MAX_INLINE_TEMPLATE_BYTES = 51_200
#: Above this fraction of a limit, synthesis warns.
WARNING_FRACTION = 0.8
#: The construct id of the per-stack check, a child of the stack.
LIMITS_ID = "SageMakerHpoStackLimits"
#: The id of the warning (``Annotations.add_warning_v2``), e.g. for ``Annotations.of(stack).acknowledge_warning``.
WARNING_ID = "sagemaker-hpo:StackLimits"

#: Typical rendered sizes of template elements that are not resources (their content is not readable through jsii).
_ELEMENT_BYTES: tuple[tuple[type, int], ...] = (
    (CfnParameter, 280),
    (CfnRule, 470),
    (CfnMapping, 2_500),
)
_OTHER_ELEMENT_BYTES = 500
#: Section headers beyond those rendered.
_TEMPLATE_FRAME_BYTES = 100
#: The ``BootstrapVersion`` Parameter and ``CheckBootstrapVersion`` Rule the default synthesizer adds during the first
#: synthesis, after validation (about 730 bytes).
_BOOTSTRAP_BYTES = 750
_BOOTSTRAP_PARAMETER = "BootstrapVersion"
_PATH_METADATA_CONTEXT = "aws:cdk:enable-path-metadata"
_PATH_METADATA_KEY = "aws:cdk:path"
_STRING_TOKEN = "${Token["
_LIST_TOKEN = "#{Token["
_NUMBER_TOKEN_FLOOR = -(2.0**960)

_ADVICE = (
    "Split the tuning jobs across stacks, for example one stack per team or experiment (each stack gets its own "
    "TuningJobProvider, or all use a shared HpoPlatform provider through ImportedTuningJobProvider), or move "
    "resources that are not tuning jobs to another stack."
)


@dataclass(frozen=True)
class StackUsage:
    """How much of CloudFormation's per-stack limits a stack uses.

    :param stack: the stack's name (its construct path when the name is only known at deploy time).
    :param resources: the resources the template declares (exact).
    :param template_bytes: the estimated size of the template as the CDK writes it; ``None`` when not estimated.
    :param tuning_jobs: how many of the resources are tuning jobs.
    :param tuning_job_bytes: the bytes the tuning jobs' resources take in the template.
    """

    stack: str
    resources: int
    template_bytes: int | None
    tuning_jobs: int = 0
    tuning_job_bytes: int = 0

    @property
    def bytes_per_tuning_job(self) -> int:
        """The average size of one tuning job's resource (0 without tuning jobs)."""
        return self.tuning_job_bytes // self.tuning_jobs if self.tuning_jobs else 0


@dataclass(frozen=True)
class LimitReport:
    """The errors (a limit is exceeded) and warnings (a limit is nearly reached) for one stack."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_usage(
    usage: StackUsage,
    *,
    max_resources: int = MAX_RESOURCES,
    max_template_bytes: int = MAX_TEMPLATE_BYTES,
    warning_fraction: float = WARNING_FRACTION,
) -> LimitReport:
    """Compare ``usage`` with the limits: an error per exceeded limit, a warning per limit above ``warning_fraction``."""
    report = LimitReport()
    jobs = ""
    if usage.tuning_jobs and usage.tuning_job_bytes:
        jobs = (
            f" It holds {usage.tuning_jobs:,} tuning job(s), each 1 resource of about "
            f"{usage.bytes_per_tuning_job:,} bytes."
        )
    elif usage.tuning_jobs:
        jobs = f" It holds {usage.tuning_jobs:,} tuning job(s), each 1 resource."
    checks: list[tuple[int, int, str, str]] = [
        (
            usage.resources,
            max_resources,
            "resources",
            f"CloudFormation's limit of {max_resources:,} resources per stack",
        )
    ]
    if usage.template_bytes is not None:
        checks.append(
            (
                usage.template_bytes,
                max_template_bytes,
                "template bytes (estimated)",
                f"CloudFormation's limit of {max_template_bytes:,} bytes for a template read from S3",
            )
        )
    for used, limit, unit, limit_text in checks:
        if used > limit:
            report.errors.append(
                f"Stack '{usage.stack}' is too large to deploy: its {used:,} {unit} exceed {limit_text}.{jobs} "
                f"{_ADVICE}"
            )
        elif used > warning_fraction * limit:
            report.warnings.append(
                f"Stack '{usage.stack}' uses {used / limit:.0%} of {limit_text} ({used:,} {unit}).{jobs} Before it "
                f"reaches the limit: {_ADVICE}"
            )
    return report


@dataclass(frozen=True)
class _Job:
    properties: dict[str, Any]
    service_token: str
    role: iam.IRole | None


class StackLimits(Construct):
    """The per-stack check of CloudFormation's resource-count and template-size limits. Get it with ``of``.

    ``TuningJob`` registers each job's resource with the properties it renders, so that the size estimate needs no
    round trip to the CDK per job.
    """

    def __init__(self, stack: Stack, construct_id: str = LIMITS_ID) -> None:
        super().__init__(stack, construct_id)
        self._stack = stack
        self._jobs: dict[object, _Job] = {}
        self._warned: set[str] = set()
        stack.node.add_validation(_LimitsValidation(self))

    @staticmethod
    def of(scope: Construct) -> StackLimits:
        """The check of ``scope``'s stack, created (and attached to the stack) on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(LIMITS_ID)
        if isinstance(existing, StackLimits):
            return existing
        return StackLimits(stack)

    @property
    def stack(self) -> Stack:
        """The stack this check belongs to."""
        return self._stack

    def _warn(self, message: str) -> None:
        """Add ``message`` as a warning on the stack once, however often the app is synthesized."""
        if message not in self._warned:
            self._warned.add(message)
            Annotations.of(self._stack).add_warning_v2(WARNING_ID, message)

    def register_tuning_job(
        self, resource: CfnResource, properties: dict[str, Any], service_token: str, role: iam.IRole | None
    ) -> None:
        """Record a tuning job's resource, the properties it renders besides ``ServiceToken``, and its role."""
        self._jobs[_object_key(resource)] = _Job(properties, service_token, role)

    def usage(self, *, max_resources: int = MAX_RESOURCES) -> StackUsage:
        """Count the stack's resources and estimate its template size, as they are now.

        Over ``max_resources`` resources the size is not estimated (``template_bytes`` is ``None``): the stack
        cannot deploy anyway, and estimating hundreds of other resources would slow the synthesis down.
        """
        stack = self._stack
        everything = stack.node.find_all()
        elements: list[CfnElement] = [c for c in everything if isinstance(c, CfnElement)]
        if any(isinstance(c, Stack) and c is not stack for c in everything):  # nested stacks: this stack's own only
            elements = [e for e in elements if e.stack is stack]
        resources = [e for e in elements if isinstance(e, CfnResource)]
        jobs = [self._jobs.get(_object_key(r)) for r in resources]
        name = stack.stack_name
        usage = StackUsage(
            stack=stack.node.path if Token.is_unresolved(name) else name,
            resources=len(resources),
            template_bytes=None,
            tuning_jobs=sum(job is not None for job in jobs),
        )
        if len(resources) > max_resources:
            return usage

        path_metadata = bool(stack.node.try_get_context(_PATH_METADATA_CONTEXT))
        role_dependencies: dict[int, list[str]] = {}
        sections: dict[str, list[list[Any]]] = {"Resources": [], "Conditions": [], "Outputs": []}
        allowance = _TEMPLATE_FRAME_BYTES
        if not any(isinstance(e, CfnParameter) and e.node.id == _BOOTSTRAP_PARAMETER for e in elements):
            allowance += _BOOTSTRAP_BYTES
        for resource, job in zip(resources, jobs, strict=True):
            if job is None:
                sections["Resources"].append([resource.logical_id, _render_resource(resource)])
                continue
            body: dict[str, Any] = {
                "Type": contract.RESOURCE_TYPE,
                "Properties": {"ServiceToken": job.service_token, **job.properties},
            }
            dependencies = _role_dependencies(job.role, role_dependencies)
            if dependencies:
                body["DependsOn"] = dependencies
            if path_metadata:
                body["Metadata"] = {_PATH_METADATA_KEY: resource.get_metadata(_PATH_METADATA_KEY)}
            sections["Resources"].append([resource.logical_id, body])
        for element in elements:
            if isinstance(element, CfnCondition):
                sections["Conditions"].append([element.logical_id, element.expression])
            elif isinstance(element, CfnOutput):
                sections["Outputs"].append([element.logical_id, _render_output(element)])
            elif not isinstance(element, CfnResource):
                allowance += _element_bytes(element)

        resolved = _resolve_tokens(stack, sections)
        template = {section: {str(key): body for key, body in entries} for section, entries in resolved.items()}
        total = allowance + _json_bytes({section: entries for section, entries in template.items() if entries})
        empty = _json_bytes({"Resources": {}})
        job_bytes = sum(
            _json_bytes({"Resources": {str(key): body}}) - empty
            for (key, body), job in zip(resolved["Resources"], jobs, strict=True)
            if job is not None
        )
        return replace(usage, template_bytes=total, tuning_job_bytes=job_bytes)


def _object_key(construct: Construct) -> object:
    """A key for a construct that holds across Python proxies: jsii makes a new proxy each time it returns an object
    created in JavaScript (such as a ``CustomResource``'s ``CfnResource``), all with the same object reference."""
    reference = getattr(construct, "__jsii_ref__", None)
    return getattr(reference, "ref", None) or id(construct)


def _role_dependencies(role: iam.IRole | None, cache: dict[int, list[str]]) -> list[str]:
    """The logical ids (tokens) of the resources a tuning job depends on through its training role."""
    if role is None:
        return []
    key = id(role)
    if key not in cache:
        cache[key] = [c.logical_id for c in role.node.find_all() if isinstance(c, CfnResource)]
    return cache[key]


def _render_resource(resource: CfnResource) -> dict[str, Any]:
    """A resource as the CDK renders it, less property overrides (not readable through jsii)."""
    body: dict[str, Any] = {"Type": resource.cfn_resource_type}
    try:
        # Resolved first: lazy values (e.g. a function's environment) do not survive the trip through Python.
        properties = resource._render_properties(resource.stack.resolve(resource._cfn_properties))
    except Exception:  # a resource that cannot render fails the synthesis by itself
        properties = {}
    if properties:
        body["Properties"] = properties
    dependencies = [d.logical_id for d in resource.obtain_dependencies() if isinstance(d, CfnResource)]
    if dependencies:
        body["DependsOn"] = dependencies
    options = resource.cfn_options
    if options.condition is not None:
        body["Condition"] = options.condition.logical_id
    for key, policy in (
        ("UpdateReplacePolicy", options.update_replace_policy),
        ("DeletionPolicy", options.deletion_policy),
    ):
        if policy is not None:  # a jsii enum, e.g. RETAIN_EXCEPT_ON_CREATE, rendered RetainExceptOnCreate
            body[key] = "".join(word.capitalize() for word in str(getattr(policy, "value", policy)).split("_"))
    if options.metadata:
        body["Metadata"] = options.metadata
    return body


def _render_output(output: CfnOutput) -> dict[str, Any]:
    body: dict[str, Any] = {"Value": output.value}
    if output.description:
        body["Description"] = output.description
    if output.export_name:
        body["Export"] = {"Name": output.export_name}
    if output.condition is not None:
        body["Condition"] = output.condition.logical_id
    return body


def _element_bytes(element: CfnElement) -> int:
    for kind, size in _ELEMENT_BYTES:
        if isinstance(element, kind):
            return size
    return _OTHER_ELEMENT_BYTES


def _collect(value: Any, found: dict[Any, Any]) -> None:
    """Gather the distinct parts of ``value`` that the CDK must resolve (tokens, objects): key -> what to resolve."""
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str) and _LIST_TOKEN in value[0]:
            found[(_LIST_TOKEN, value[0])] = value  # a list token resolves as a list only
        else:
            for item in value:
                _collect(item, found)
    elif isinstance(value, str):
        if _STRING_TOKEN in value:
            found[value] = value
    elif isinstance(value, float):
        if value <= _NUMBER_TOKEN_FLOOR:
            found[value] = value
    elif value is not None and not isinstance(value, (int, bool)):
        found[value] = value  # an IResolvable or another object: the CDK resolves it


def _substitute(value: Any, resolved: Mapping[Any, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, resolved) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str) and (_LIST_TOKEN, value[0]) in resolved:
            return resolved[(_LIST_TOKEN, value[0])]
        return [_substitute(item, resolved) for item in value]
    if value is None or isinstance(value, (int, bool)) and not isinstance(value, float):
        return value
    return resolved.get(value, value)


def _prune(value: Any) -> Any:
    """Drop what the CDK leaves out of a template: ``None`` values and the objects and lists they leave empty."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item is not None and item != {}}
    if isinstance(value, list):
        return [_prune(item) for item in value if item is not None]
    return value


def _resolve_tokens(stack: Stack, structure: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """``stack.resolve(structure)``, resolving each distinct token once: one jsii round trip of a few values."""
    found: dict[Any, Any] = {}
    _collect(structure, found)
    keys = list(found)
    # Keyed by position: the CDK drops values that resolve to nothing, from lists as from objects.
    values = stack.resolve({str(index): found[key] for index, key in enumerate(keys)}) if keys else {}
    resolved = {key: values.get(str(index)) for index, key in enumerate(keys)}
    result: dict[str, list[list[Any]]] = _prune(_substitute(structure, resolved))
    return result


def _json_bytes(value: Any) -> int:
    """The size of ``value`` as the CDK writes templates (``JSON.stringify(template, undefined, 1)``, UTF-8)."""
    return len(json.dumps(value, indent=1, ensure_ascii=False, default=str).encode())


@jsii.implements(IValidation)
class _LimitsValidation:
    """The ``IValidation`` attached to the stack: errors fail synthesis, warnings become annotations on the stack."""

    def __init__(self, limits: StackLimits) -> None:
        self._limits = limits

    def validate(self) -> list[str]:
        usage = self._limits.usage()
        report = check_usage(usage)
        for warning in report.warnings:
            self._limits._warn(warning)
        return report.errors
