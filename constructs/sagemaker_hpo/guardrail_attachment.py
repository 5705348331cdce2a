"""``attach_guardrails``: what a platform or a team does with its guardrails, in one place.

A platform's shared provider and each team's own provider are guarded the same way: ``Deny`` statements on the
provider's handler role (IAM enforces the limits at run time), a synth-time check of every job of that provider
(``guard_provider``), and two SSM parameters to publish (the guardrails as JSON, and their digest, which a team
app's deployment compares with the digest it was checked against).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from constructs import IConstruct

from . import parameter_schema as schema
from .guardrail_checks import guard_provider, guardrails_digest
from .guardrails import Guardrails
from .provider import TuningJobProvider, tuning_job_arn


def attach_guardrails(
    scope: IConstruct,
    guardrails: Guardrails | None,
    *,
    provider: TuningJobProvider,
    subnet_ids: Sequence[str] = (),
    key_arn: str | None = None,
    volume_key_arn: str | None = None,
) -> list[tuple[schema.Parameter, str]]:
    """Guard ``provider``'s jobs with ``guardrails`` and return the guardrail parameters ``scope`` publishes.

    With guardrails: their ``Deny`` statements go on the provider's handler role (for jobs named
    ``<provider's name prefix>-*``) and every job of the provider in the app is checked against them at synth time.
    Either way the digest parameter is returned (``none`` without guardrails), after the guardrails' JSON when there
    are guardrails.

    :param scope: the platform or team the guardrails belong to.
    :param guardrails: the limits. ``None``: nothing is denied or checked; the digest says ``none``.
    :param provider: the provider whose jobs the guardrails limit.
    :param subnet_ids: the subnets jobs must use when ``require_vpc``. Default: any subnet.
    :param key_arn: the key model output must use when ``require_kms``. Default: any key.
    :param volume_key_arn: the key storage volumes must use when ``require_kms`` (a team's own key). Default: any.
    :raises ValidationError: when a job defined already breaks a guardrail.
    :returns: the ``(parameter, value)`` pairs to publish under the scope's namespace.
    """
    if guardrails is None:
        return [(schema.GUARDRAILS_DIGEST, guardrails_digest(None))]
    for statement in guardrails.deny_statements(
        [tuning_job_arn(f"{provider.name_prefix}-*")],
        subnet_ids=subnet_ids,
        key_arn=key_arn,
        volume_key_arn=volume_key_arn,
    ):
        provider.handler_role.add_to_policy(statement)
    guard_provider(
        scope,
        provider.service_token,
        guardrails,
        subnet_ids=subnet_ids,
        key_arn=key_arn,
        volume_key_arn=volume_key_arn,
    )
    return [
        (schema.GUARDRAILS, json.dumps(guardrails.to_json())),
        (schema.GUARDRAILS_DIGEST, guardrails_digest(guardrails)),
    ]
