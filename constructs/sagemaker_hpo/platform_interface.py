"""``IHpoPlatform``: what a ``Team`` needs from the platform it belongs to, so that ``team`` never imports ``platform``.

``HpoPlatform`` satisfies it (structurally: a ``typing.Protocol``); ``platform`` imports ``team``, and ``team``
imports only this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

if TYPE_CHECKING:  # pragma: no cover
    from .guardrails import Guardrails
    from .provider_settings import ProviderSettings


class IHpoPlatform(Protocol):
    """The platform a team belongs to: its namespace, shared buckets and key, network and default limits."""

    @property
    def namespace(self) -> str:
        """The SSM parameter path the platform publishes under, ending in ``/``."""
        ...

    @property
    def data_bucket(self) -> s3.IBucket:
        """The training data bucket (a team reads only its own prefix)."""
        ...

    @property
    def artifacts_bucket(self) -> s3.IBucket:
        """The model output and checkpoint bucket (a team writes only its own prefixes)."""
        ...

    @property
    def key(self) -> kms.IKey:
        """The KMS key of the two buckets."""
        ...

    @property
    def vpc(self) -> ec2.IVpc | None:
        """The VPC training jobs run in, if any."""
        ...

    @property
    def subnet_ids(self) -> Sequence[str]:
        """The subnet ids training jobs use (none without a VPC)."""
        ...

    @property
    def vpc_access(self) -> bool:
        """Whether the roles may attach network interfaces in any VPC."""
        ...

    @property
    def guardrails(self) -> Guardrails | None:
        """The default limits of every team's jobs."""
        ...

    @property
    def provider_settings(self) -> ProviderSettings | None:
        """The settings of the platform's providers, which a team's provider starts from."""
        ...
