"""The SSM parameters a platform and its teams publish, each declared once, for publishing and importing alike.

``HpoPlatform`` publishes under its namespace (``/sagemaker-hpo/<name>/``), each ``Team`` under
``<platform namespace>teams/<team>/``, and ``ImportedHpoPlatform`` reads them back. Each :class:`Parameter` here
names its key, what it holds for a platform and for a team (``None`` where that one does not publish it), and
whether and where an importer reads it; the publishers build their values with :func:`parameter_values` and the
importer names its keys through the same objects, so no key is spelt twice. This module imports nothing from
aws-cdk-lib (the dry run reads it too).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class Publisher(str, enum.Enum):
    """Who publishes a parameter under their namespace."""

    #: The platform (``HpoPlatform``), under the platform's namespace.
    PLATFORM = "platform"
    #: A team (``Team``), under the team's namespace.
    TEAM = "team"


class ImportedFrom(str, enum.Enum):
    """Where ``ImportedHpoPlatform`` reads a parameter, if it reads it at all."""

    #: Not read by the importer (published for people and other tools: deploy boundaries, prefixes).
    NOT_IMPORTED = "not-imported"
    #: Always the platform's namespace, also when a team is imported (the buckets and their key are shared).
    PLATFORM = "platform"
    #: The imported namespace: the platform's, or the team's when a team is imported.
    OWN = "own"


@dataclass(frozen=True)
class Parameter:
    """One published SSM parameter: its key under a namespace and what it holds.

    :param key: the key under the namespace; may hold ``{name}`` (one parameter per image).
    :param platform_description: what it holds when the platform publishes it (``{name}`` formatted as in
        ``key``). Default: the platform does not publish it.
    :param team_description: what it holds when a team publishes it. Default: teams do not publish it.
    :param imported_from: where the importer reads it. Default: not read.
    """

    key: str
    platform_description: str | None = None
    team_description: str | None = None
    imported_from: ImportedFrom = ImportedFrom.NOT_IMPORTED

    @property
    def publishers(self) -> frozenset[Publisher]:
        """Who publishes it."""
        found = set()
        if self.platform_description is not None:
            found.add(Publisher.PLATFORM)
        if self.team_description is not None:
            found.add(Publisher.TEAM)
        return frozenset(found)

    @property
    def imported(self) -> bool:
        """Whether ``ImportedHpoPlatform`` reads it."""
        return self.imported_from is not ImportedFrom.NOT_IMPORTED

    def key_for(self, **fields: str) -> str:
        """The key, with ``{name}`` filled in from ``fields`` (for per-image parameters)."""
        return self.key.format(**fields) if fields else self.key

    def name_in(self, namespace: str, **fields: str) -> str:
        """The full SSM parameter name under ``namespace`` (which ends in ``/``)."""
        return f"{namespace}{self.key_for(**fields)}"

    def description_for(self, publisher: Publisher, **fields: str) -> str:
        """What it holds when ``publisher`` publishes it; a ``ValueError`` when that one does not publish it."""
        description = self.platform_description if publisher is Publisher.PLATFORM else self.team_description
        if description is None:  # a programming error (the platform and team publish schema constants), not input
            raise ValueError(f"the {publisher.value} does not publish the parameter {self.key!r}")
        return description.format(**fields) if fields else description


ROLE_ARN = Parameter(
    "training-role-arn",
    platform_description="the ARN of the role SageMaker assumes for training jobs",
    team_description="the ARN of the team's training role",
    imported_from=ImportedFrom.OWN,
)
DATA_BUCKET = Parameter(
    "data-bucket-name",
    platform_description="the name of the training data bucket",
    imported_from=ImportedFrom.PLATFORM,
)
ARTIFACTS_BUCKET = Parameter(
    "artifacts-bucket-name",
    platform_description="the name of the model artifacts bucket",
    imported_from=ImportedFrom.PLATFORM,
)
KEY_ARN = Parameter(
    "key-arn",
    platform_description="the ARN of the KMS key of the data and artifacts buckets",
    imported_from=ImportedFrom.PLATFORM,
)
PROVIDER_SERVICE_TOKEN = Parameter(
    "provider-service-token",
    platform_description="the service token of the tuning-job provider",
    team_description="the service token of the team's provider",
    imported_from=ImportedFrom.OWN,
)
#: The job-name prefix of a platform's (or a team's) provider.
NAME_PREFIX = Parameter(
    "provider-name-prefix",
    platform_description="the prefix of tuning job names the provider manages",
    team_description="the prefix of the team's tuning job names",
    imported_from=ImportedFrom.OWN,
)
TEAM_DATA_PREFIX = Parameter("data-prefix", team_description="the team's prefix in the data bucket")
TEAM_OUTPUT_PREFIX = Parameter("output-prefix", team_description="the team's model output prefix")
TEAM_CHECKPOINT_PREFIX = Parameter("checkpoint-prefix", team_description="the team's checkpoint prefix")
TEAM_VOLUME_KEY_ARN = Parameter(
    "volume-key-arn",
    team_description="the ARN of the team's KMS key for training volumes",
    imported_from=ImportedFrom.OWN,
)
TEAM_QUALIFIER = Parameter("bootstrap-qualifier", team_description="the team's CDK bootstrap qualifier")
TEAM_CFN_EXECUTION_POLICY = Parameter(
    "cfn-execution-policy-arn",
    team_description=(
        "the managed policy for the team's CloudFormation execution role (cdk bootstrap "
        "--cloudformation-execution-policies)"
    ),
)
TEAM_DEPLOYER_POLICY = Parameter(
    "deployer-policy-arn", team_description="the managed policy for the people who deploy the team's stacks"
)
#: The guardrails as JSON (published only when there are guardrails; read by a context lookup).
GUARDRAILS = Parameter(
    "guardrails",
    platform_description="the guardrails of the platform's jobs (JSON)",
    team_description="the team's guardrails (JSON)",
    imported_from=ImportedFrom.OWN,
)
#: The digest of the guardrails (always published; the drift check of importing stacks compares against it).
GUARDRAILS_DIGEST = Parameter(
    "guardrails-digest",
    platform_description="the digest of the platform's guardrails",
    team_description="the digest of the team's guardrails",
    imported_from=ImportedFrom.OWN,
)
#: One per image (``{name}``: the image's name; the dry run also recognises the platform's ``gpu`` image by it).
IMAGE_URI = Parameter(
    "images/{name}/uri",
    platform_description="the URI of the training image {name!r}",
    team_description="the URI of the team's training image {name!r}",
    imported_from=ImportedFrom.OWN,
)

#: Every published parameter.
SCHEMA: tuple[Parameter, ...] = (
    ROLE_ARN,
    DATA_BUCKET,
    ARTIFACTS_BUCKET,
    KEY_ARN,
    PROVIDER_SERVICE_TOKEN,
    NAME_PREFIX,
    TEAM_DATA_PREFIX,
    TEAM_OUTPUT_PREFIX,
    TEAM_CHECKPOINT_PREFIX,
    TEAM_VOLUME_KEY_ARN,
    TEAM_QUALIFIER,
    TEAM_CFN_EXECUTION_POLICY,
    TEAM_DEPLOYER_POLICY,
    GUARDRAILS,
    GUARDRAILS_DIGEST,
    IMAGE_URI,
)


def published_by(publisher: Publisher) -> tuple[Parameter, ...]:
    """The parameters ``publisher`` publishes (some only in some cases: guardrails, images)."""
    return tuple(parameter for parameter in SCHEMA if publisher in parameter.publishers)


def parameter_values(publisher: Publisher, values: Iterable[tuple[Parameter, str]]) -> dict[str, tuple[str, str]]:
    """The ``key: (value, what it is)`` mapping ``publish_parameters`` takes, for ``publisher``, in order.

    :param publisher: who publishes (picks each parameter's description).
    :param values: each parameter and its value, in the order to publish them.
    """
    return {parameter.key: (value, parameter.description_for(publisher)) for parameter, value in values}


def image_values(publisher: Publisher, images: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The :data:`IMAGE_URI` parameters of ``images`` (URIs by image name), as :func:`parameter_values` returns."""
    return {
        IMAGE_URI.key_for(name=name): (uri, IMAGE_URI.description_for(publisher, name=name))
        for name, uri in images.items()
    }


def imported_parameters() -> Sequence[Parameter]:
    """The parameters ``ImportedHpoPlatform`` reads."""
    return tuple(parameter for parameter in SCHEMA if parameter.imported)
