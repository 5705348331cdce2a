"""HPO-PROVIDER: the settings of a ``TuningJobProvider`` (``ProviderSettings``), merged with the defaults, and a
platform's ``provider_settings`` against the stack's provider when it already exists.

``TuningJobProvider`` runs these rules on its consolidated settings before it defines any function, so a value
Lambda or CloudWatch Logs would refuse is a ``ValidationError`` with the provider's path, the field and the rule id.
Values that are tokens are skipped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from ..provider_settings import ProviderSettings
from ._registry import Finding, Source, rule

#: Lambda's function timeout range, in seconds (Lambda quotas: "Function timeout: 900 seconds (15 minutes)").
LAMBDA_TIMEOUT_SECONDS = (1, 900)
#: Lambda's function memory range, in MiB (Lambda quotas: "Function memory allocation: 128 MB to 10,240 MB").
LAMBDA_MEMORY_MIB = (128, 10240)
#: The instruction sets Lambda runs functions on (Lambda API reference, ``Architectures``).
LAMBDA_ARCHITECTURES = ("arm64", "x86_64")


def _timeout(finding: Finding, field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Duration):
        finding.wrong_type(field, value, "a Duration (e.g. Duration.minutes(5))")
    if value.is_unresolved():
        return
    milliseconds = value.to_milliseconds()  # to_seconds() refuses a fraction of a second
    low, high = LAMBDA_TIMEOUT_SECONDS
    finding.require(
        low * 1000 <= milliseconds <= high * 1000,
        field,
        value.to_human_string(),
        f"must be a whole number of seconds from {low} to {high} ({high // 60} minutes)",
    )
    finding.require(milliseconds % 1000 == 0, field, value.to_human_string(), "must be a whole number of seconds")


@rule(
    "HPO-PROVIDER-001",
    statement="The on-event handler's timeout is a Duration of 1 second to 15 minutes.",
    field="Lambda Function.Timeout",
    source=Source.LIBRARY,
    reference="AWS Lambda quotas (function timeout)",
    subjects=ProviderSettings,
)
def _on_event_timeout(settings: ProviderSettings, finding: Finding) -> None:
    _timeout(finding, "settings.on_event_timeout", settings.on_event_timeout)


@rule(
    "HPO-PROVIDER-002",
    statement="The is-complete handler's timeout is a Duration of 1 second to 15 minutes.",
    field="Lambda Function.Timeout",
    source=Source.LIBRARY,
    reference="AWS Lambda quotas (function timeout)",
    subjects=ProviderSettings,
)
def _is_complete_timeout(settings: ProviderSettings, finding: Finding) -> None:
    _timeout(finding, "settings.is_complete_timeout", settings.is_complete_timeout)


@rule(
    "HPO-PROVIDER-003",
    statement="The handlers' memory size is an integer number of MiB from 128 to 10,240.",
    field="Lambda Function.MemorySize",
    source=Source.LIBRARY,
    reference="AWS Lambda quotas (function memory allocation)",
    subjects=ProviderSettings,
)
def _memory_size(settings: ProviderSettings, finding: Finding) -> None:
    finding.int_between("settings.memory_size", settings.memory_size, *LAMBDA_MEMORY_MIB)


@rule(
    "HPO-PROVIDER-004",
    statement="The handlers' architecture is Architecture.ARM_64 or Architecture.X86_64.",
    field="Lambda Function.Architectures",
    source=Source.LIBRARY,
    reference="AWS Lambda API reference (CreateFunction, Architectures)",
    subjects=ProviderSettings,
)
def _architecture(settings: ProviderSettings, finding: Finding) -> None:
    value = settings.architecture
    if value is None:
        return
    if not isinstance(value, lambda_.Architecture):
        finding.wrong_type("settings.architecture", value, "an Architecture (e.g. Architecture.ARM_64)")
    finding.require(
        value.name in LAMBDA_ARCHITECTURES,
        "settings.architecture",
        value.name,
        "must be Architecture.ARM_64 or Architecture.X86_64",
    )


@rule(
    "HPO-PROVIDER-005",
    statement="The handler log group's retention is a RetentionDays value.",
    field="AWS::Logs::LogGroup.RetentionInDays",
    source=Source.LIBRARY,
    reference="CloudWatch Logs API reference (PutRetentionPolicy, retentionInDays)",
    subjects=ProviderSettings,
)
def _log_retention(settings: ProviderSettings, finding: Finding) -> None:
    value = settings.log_retention
    if value is not None and not isinstance(value, logs.RetentionDays):
        finding.wrong_type("settings.log_retention", value, "a RetentionDays (e.g. RetentionDays.ONE_YEAR)")


@dataclass(frozen=True)
class SharedProvider:
    """The settings a platform asks for and the stack's provider that already exists: the subject of HPO-PROVIDER-006.

    :param existing: the settings of the provider the stack already has.
    :param requested: the settings the platform was given (``provider_settings``), ``None`` when none were given.
    :param provider_path: the existing provider's construct path.
    """

    existing: ProviderSettings
    requested: ProviderSettings | None
    provider_path: str


def _shown(value: Any) -> Any:
    """A setting as a comparable, readable value (jsii objects compare by identity)."""
    if isinstance(value, Duration):
        return value.to_human_string()
    if isinstance(value, lambda_.Architecture):
        return value.name
    if isinstance(value, logs.RetentionDays):
        return value.name
    return value


@rule(
    "HPO-PROVIDER-006",
    statement="A platform's provider_settings match the settings of a provider the stack already has (one per stack).",
    field="Lambda Function",
    source=Source.LIBRARY,
    reference="TuningJobProvider (one per stack, shared by every job and platform in it)",
    subjects=SharedProvider,
)
def _shared_provider_settings(subject: SharedProvider, finding: Finding) -> None:
    if subject.requested is None:
        return
    for each in dataclasses.fields(ProviderSettings):
        wanted = getattr(subject.requested, each.name)
        if wanted is None:
            continue
        has = getattr(subject.existing, each.name)
        finding.require(
            _shown(wanted) == _shown(has),
            f"provider_settings.{each.name}",
            _shown(wanted),
            f"the stack's provider {subject.provider_path} already exists with {_shown(has)!r}: define the platform "
            "before anything else uses the stack's provider, or ask for the same setting",
        )
