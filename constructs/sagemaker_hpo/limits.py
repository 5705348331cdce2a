"""CloudFormation's per-stack limits, checked when a stack holding tuning jobs is synthesized.

A stack may declare at most 500 resources, and its template may be at most 1 MB when CloudFormation reads it from S3,
which is how the CDK deploys templates with its default (bootstrapped) synthesizer. The 51,200-byte limit applies only
to a template passed inline in the API request, which ``cdk deploy`` does not do with the default synthesizer. Each
``TuningJob`` is one resource of about 3 KB, so a stack of many tuning jobs reaches the size limit first; without a
check, the deployment fails only when CloudFormation rejects the template.

``StackLimits.of(scope)`` attaches one check per stack (``TuningJobProvider`` and ``TuningJob`` call it). It uses the
CDK's public interfaces only, and guesses nothing:

- the resources are counted from the construct tree (every ``CfnResource`` of the stack) by a validation attached to
  the stack (``node.add_validation``), which runs before the template is written: over ``MAX_RESOURCES`` the synthesis
  fails (rule ``HPO-STACK-001``); above ``WARNING_FRACTION`` of it the stack gets a warning (``sagemaker-hpo:StackLimits``);
- the template's size is measured on the written file, after synthesis, by a policy-validation plugin registered
  with the stack's stage (``Validations.of(stage).add_plugins``, which hands it the templates' paths): over
  ``MAX_TEMPLATE_BYTES`` the plugin reports an error and the CDK fails the synthesis with its validation report
  (rule ``HPO-STACK-002``); above ``WARNING_FRACTION`` it reports a warning, which the CDK prints and which
  ``Validations.of(scope).acknowledge`` silences (``sagemaker-hpo-stack-limits::HPO-STACK-002``).

The CDK runs validation plugins when an ``App`` is synthesized (``app.synth()``, ``cdk synth``, the ``assertions``
module); a ``Stage`` synthesized on its own is not measured. Counting costs one pass over the stack's constructs,
measuring one ``stat`` per stack (the template is read only when a limit is nearly reached, to tell the tuning jobs'
share).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import jsii
from aws_cdk import (
    Annotations,
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Stage,
    Token,
    Validations,
)
from constructs import Construct, IValidation

from ._contract import contract
from ._tree import find_child, stack_of

#: CloudFormation's limit on the resources one stack declares.
MAX_RESOURCES = 500
#: CloudFormation's limit on a template body read from S3 ("1 MB"; taken as 1,000,000 bytes, the safe reading).
MAX_TEMPLATE_BYTES = 1_000_000
#: CloudFormation's limit on a template body passed inline in a ``CreateStack``/``UpdateStack`` request. The CDK
#: uploads templates to the bootstrap bucket and passes their URL, so it does not apply to ``cdk deploy``.
MAX_INLINE_TEMPLATE_BYTES = 51_200
#: Above this fraction of a limit, synthesis warns.
WARNING_FRACTION = 0.8
#: The construct id of the per-stack check (a child of the stack) and of the per-stage plugin holder (of the stage).
LIMITS_ID = "SageMakerHpoStackLimits"
#: The id of the resource-count warning (``Annotations.add_warning_v2``), e.g. for ``acknowledge_warning``.
WARNING_ID = "sagemaker-hpo:StackLimits"
#: The rule a stack of more than ``MAX_RESOURCES`` resources breaks.
RESOURCES_RULE_ID = "HPO-STACK-001"
#: The rule a template of more than ``MAX_TEMPLATE_BYTES`` bytes breaks.
TEMPLATE_RULE_ID = "HPO-STACK-002"
#: The name of the validation plugin that measures templates (the prefix of its acknowledgement ids).
PLUGIN_NAME = "sagemaker-hpo-stack-limits"

_ADVICE = (
    "Split the tuning jobs across stacks, for example one stack per team or experiment (each stack gets its own "
    "TuningJobProvider, or all use a shared HpoPlatform provider through ImportedTuningJobProvider), or move "
    "resources that are not tuning jobs to another stack."
)
_EMPTY_RESOURCES_BYTES = len(json.dumps({"Resources": {}}, indent=1))


@dataclass(frozen=True)
class StackUsage:
    """How much of CloudFormation's per-stack limits a stack uses.

    :param stack: the stack's name (its construct path when the name is only known at deploy time).
    :param resources: the resources the stack declares (counted from the construct tree).
    :param template_bytes: the size of the template as written; ``None`` before it is written.
    :param tuning_jobs: how many of the resources are tuning jobs. Default: 0.
    :param tuning_job_bytes: the bytes the tuning jobs' resources take in the template. Default: 0 (not measured).
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
    """Compare ``usage`` with the limits: an error per exceeded limit, a warning per limit above ``warning_fraction``.

    Each message ends with the id of the rule it concerns (``[HPO-STACK-001]``, ``[HPO-STACK-002]``).
    """
    report = LimitReport()
    jobs = ""
    if usage.tuning_jobs and usage.tuning_job_bytes:
        jobs = (
            f" It holds {usage.tuning_jobs:,} tuning job(s), each 1 resource of about "
            f"{usage.bytes_per_tuning_job:,} bytes."
        )
    elif usage.tuning_jobs:
        jobs = f" It holds {usage.tuning_jobs:,} tuning job(s), each 1 resource."
    checks: list[tuple[int, int, str, str, str]] = [
        (
            usage.resources,
            max_resources,
            "resources",
            f"CloudFormation's limit of {max_resources:,} resources per stack",
            RESOURCES_RULE_ID,
        )
    ]
    if usage.template_bytes is not None:
        checks.append(
            (
                usage.template_bytes,
                max_template_bytes,
                "template bytes",
                f"CloudFormation's limit of {max_template_bytes:,} bytes for a template read from S3",
                TEMPLATE_RULE_ID,
            )
        )
    for used, limit, unit, limit_text, rule_id in checks:
        if used > limit:
            report.errors.append(
                f"Stack '{usage.stack}' is too large to deploy: its {used:,} {unit} exceed {limit_text}.{jobs} "
                f"{_ADVICE} [{rule_id}]"
            )
        elif used > warning_fraction * limit:
            report.warnings.append(
                f"Stack '{usage.stack}' uses {used / limit:.0%} of {limit_text} ({used:,} {unit}).{jobs} Before it "
                f"reaches the limit: {_ADVICE} [{rule_id}]"
            )
    return report


class StackLimits(Construct):
    """The per-stack check of CloudFormation's resource-count and template-size limits. Get it with ``of``."""

    def __init__(self, stack: Stack, construct_id: str = LIMITS_ID) -> None:
        """Attach the check to ``stack``; use ``StackLimits.of(scope)``, which creates it once per stack.

        :param stack: the stack to check.
        :param construct_id: the check's id. Default: ``LIMITS_ID``.
        """
        super().__init__(stack, construct_id)
        self._stack = stack
        self._warned: set[str] = set()
        stack.node.add_validation(_ResourceCountValidation(self))
        stage = Stage.of(stack)
        if stage is not None:
            _StageTemplates.of(stage).add(self)

    @staticmethod
    def of(scope: Construct) -> StackLimits:
        """The check of ``scope``'s stack, created (and attached to the stack) on first use."""
        stack = stack_of(scope)
        existing = find_child(stack, LIMITS_ID)
        if isinstance(existing, StackLimits):
            return existing
        return StackLimits(stack)

    @property
    def stack(self) -> Stack:
        """The stack this check belongs to."""
        return self._stack

    @property
    def template_path(self) -> Path | None:
        """Where the synthesis writes the stack's template (``None`` for a stack outside any stage)."""
        stage = Stage.of(self._stack)
        if stage is None:
            return None
        return Path(os.path.abspath(os.path.join(stage.outdir, self._stack.template_file)))

    def usage(self, *, template: Path | None = None, count_jobs: bool = True) -> StackUsage:
        """The stack's resources as the construct tree holds them now and, given its written ``template``, the
        template's size (and the bytes its tuning jobs take in it).

        :param template: the written template to measure. Default: none (``template_bytes`` is ``None``).
        :param count_jobs: whether to tell which resources are tuning jobs (one read per resource). Default: true.
        """
        stack = self._stack
        everything = stack.node.find_all()
        resources = [c for c in everything if isinstance(c, CfnResource)]
        if any(isinstance(c, Stack) and c is not stack for c in everything):
            resources = [r for r in resources if r.stack is stack]  # nested stacks: this stack's own only
        name = stack.stack_name
        tuning_jobs = sum(r.cfn_resource_type == contract.RESOURCE_TYPE for r in resources) if count_jobs else 0
        template_bytes: int | None = None
        job_bytes = 0
        if template is not None:
            template_bytes = template.stat().st_size
            job_bytes = _tuning_job_bytes(template) if tuning_jobs else 0
        return StackUsage(
            stack=stack.node.path if Token.is_unresolved(name) else name,
            resources=len(resources),
            template_bytes=template_bytes,
            tuning_jobs=tuning_jobs,
            tuning_job_bytes=job_bytes,
        )

    def _warn(self, message: str) -> None:
        """Add ``message`` as a warning on the stack once, however often the app is synthesized."""
        if message not in self._warned:
            self._warned.add(message)
            Annotations.of(self._stack).add_warning_v2(WARNING_ID, message)


def _tuning_job_bytes(template: Path) -> int:
    """The bytes the tuning jobs' resources take in ``template`` (written as the CDK writes templates)."""
    resources = json.loads(template.read_text(encoding="utf-8")).get("Resources", {})
    return sum(
        len(json.dumps({"Resources": {key: body}}, indent=1, ensure_ascii=False).encode()) - _EMPTY_RESOURCES_BYTES
        for key, body in resources.items()
        if isinstance(body, dict) and body.get("Type") == contract.RESOURCE_TYPE
    )


@jsii.implements(IValidation)
class _ResourceCountValidation:
    """The ``IValidation`` attached to the stack: counts its resources before the template is written."""

    def __init__(self, limits: StackLimits) -> None:
        self._limits = limits

    def validate(self) -> list[str]:
        usage = self._limits.usage(count_jobs=False)
        if usage.resources <= WARNING_FRACTION * MAX_RESOURCES:
            return []
        report = check_usage(self._limits.usage())  # name the tuning jobs in the message
        for warning in report.warnings:
            self._limits._warn(warning)
        return report.errors


class _StageTemplates(Construct):
    """The stage's validation plugin and the checks of its stacks (one per stage, a child of the stage)."""

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage, LIMITS_ID)
        self.checks: list[StackLimits] = []
        Validations.of(stage).add_plugins(_TemplateSizePlugin(self))

    @staticmethod
    def of(stage: Stage) -> _StageTemplates:
        existing = find_child(stage, LIMITS_ID)
        if isinstance(existing, _StageTemplates):
            return existing
        return _StageTemplates(stage)

    def add(self, check: StackLimits) -> None:
        self.checks.append(check)


@jsii.implements(IPolicyValidationPlugin)
class _TemplateSizePlugin:
    """The policy-validation plugin that measures the written templates of the stacks holding tuning jobs."""

    def __init__(self, stage: _StageTemplates) -> None:
        self._stage = stage

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str]:
        return [TEMPLATE_RULE_ID]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        written = {os.path.abspath(path) for path in context.template_paths}
        violations: list[PolicyViolation] = []
        for check in self._stage.checks:
            path = check.template_path
            if path is None or not (str(path) in written or path.is_file()):  # nested stacks: not in the paths
                continue
            if path.stat().st_size <= WARNING_FRACTION * MAX_TEMPLATE_BYTES:
                continue  # the common case: one stat, no read
            usage = replace(check.usage(template=path), resources=0)  # the stack's validation counted them
            report = check_usage(usage)
            for severity, messages in (("error", report.errors), ("warning", report.warnings)):
                violations.extend(
                    PolicyViolation(
                        rule_name=TEMPLATE_RULE_ID,
                        description=message,
                        severity=severity,
                        violating_resources=[
                            PolicyViolatingResource(
                                locations=[], template_path=str(path), construct_path=check.stack.node.path
                            )
                        ],
                    )
                    for message in messages
                )
        return PolicyValidationPluginReport(
            success=not any(v.severity == "error" for v in violations), violations=violations
        )
