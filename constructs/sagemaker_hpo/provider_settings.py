"""The tuning-job provider's settings: one frozen value with its defaults defined once, and the merge of overrides.

As aws-solutions-constructs' ``consolidateProps`` does, the settings a provider uses are the defaults
(:data:`DEFAULT_PROVIDER_SETTINGS`) overlaid with what the user sets (``TuningJobProvider(..., settings=...)``)::

    TuningJobProvider(stack, "Provider", settings=ProviderSettings(memory_size=512))

A setting left ``None`` keeps the value of the layer below it (see :func:`consolidate_settings`). The rules
``HPO-PROVIDER-*`` (``sagemaker_hpo.rules.provider``) check the merged settings at synth time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs


@dataclass(frozen=True)
class ProviderSettings:
    """The settings of a ``TuningJobProvider``'s handler functions and log group; ``None`` keeps the default.

    :param on_event_timeout: the timeout of the on-event handler (creates, replaces and stops tuning jobs), 1 second
        to 15 minutes (Lambda's range). Default: 5 minutes.
    :param is_complete_timeout: the timeout of the is-complete handler (polls a tuning job a deployment waits for),
        1 second to 15 minutes. Default: 5 minutes.
    :param memory_size: the memory of both handler functions in MiB, 128 to 10,240 (Lambda's range). Default: 256.
    :param architecture: the instruction set of both handler functions (``Architecture.ARM_64`` or
        ``Architecture.X86_64``). Default: ``Architecture.ARM_64``.
    :param log_retention: the retention of the handler's log group. Default: ``RetentionDays.THREE_MONTHS``.
    """

    on_event_timeout: Duration | None = None
    is_complete_timeout: Duration | None = None
    memory_size: int | None = None
    architecture: lambda_.Architecture | None = None
    log_retention: logs.RetentionDays | None = None


#: The settings a provider uses where nothing overrides them (each default is defined here only).
DEFAULT_PROVIDER_SETTINGS = ProviderSettings(
    on_event_timeout=Duration.minutes(5),
    is_complete_timeout=Duration.minutes(5),
    memory_size=256,
    architecture=lambda_.Architecture.ARM_64,
    log_retention=logs.RetentionDays.THREE_MONTHS,
)


def consolidate_settings(defaults: ProviderSettings, *overrides: ProviderSettings | None) -> ProviderSettings:
    """Merge settings layers, lowest first: each field takes the value of the last layer that sets it (not ``None``).

    ``consolidate_settings(DEFAULT_PROVIDER_SETTINGS, user_settings)`` is the settings a provider uses; a layer of
    ``None`` (no settings given) changes nothing. Nothing is validated here: the ``HPO-PROVIDER`` rules check the
    result, with the construct's path.

    :param defaults: the lowest layer (usually :data:`DEFAULT_PROVIDER_SETTINGS`).
    :param overrides: the layers above it, lowest first.
    """
    merged = defaults
    for layer in overrides:
        if layer is None:
            continue
        changes = {
            f.name: getattr(layer, f.name) for f in dataclasses.fields(layer) if getattr(layer, f.name) is not None
        }
        merged = dataclasses.replace(merged, **changes)
    return merged
