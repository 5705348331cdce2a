"""HPO-PLATFORM: a platform's name and SSM namespace, its image names, and its teams' names.

``HpoPlatform``, ``HpoPlatform.from_parameters`` and ``add_team`` run these rules before they define anything, so a
name SSM or IAM would refuse (or one that collides) is a ``ValidationError`` with the construct's path, the field and
the rule id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .._validation import is_unresolved
from ._registry import Finding, Source, rule

#: A platform or image name: 1 to 64 letters, digits, ``_``, ``.`` or ``-``.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.\-]{1,64}$")
#: A namespace: ``/`` then 1 to 12 segments of letters, digits, ``_``, ``.`` or ``-``, each followed by ``/``.
NAMESPACE_PATTERN = re.compile(r"^/(?:[a-zA-Z0-9_.\-]+/){1,12}$")
#: The longest namespace (SSM parameter names are at most 1011 characters; keys and team paths follow it).
NAMESPACE_MAX_LENGTH = 900
#: A team name: 1 to 32 lower-case letters, digits and hyphens, starting with a letter, not ending in a hyphen.
TEAM_NAME_PATTERN = re.compile(r"^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$")


@dataclass(frozen=True)
class NamespaceChoice:
    """A platform's ``name`` and ``namespace`` as given: the subject of HPO-PLATFORM-001..005.

    :param name: the platform's name.
    :param namespace: the namespace, when given (it overrides the name). Default: ``/sagemaker-hpo/<name>/``.
    """

    name: str
    namespace: str | None = None

    @property
    def resolved(self) -> str:
        """The namespace the platform publishes under (ending in ``/``)."""
        chosen = f"/sagemaker-hpo/{self.name}/" if self.namespace is None else self.namespace
        if not isinstance(chosen, str) or is_unresolved(chosen) or chosen.endswith("/"):
            return chosen
        return f"{chosen}/"


@dataclass(frozen=True)
class ImageName:
    """The name a platform or team publishes an image under: the subject of HPO-PLATFORM-006."""

    name: str


@dataclass(frozen=True)
class TeamChoice:
    """A team to add: the subject of HPO-PLATFORM-007..009.

    :param name: the team's name.
    :param existing: the names of the platform's teams so far. Default: none.
    :param name_prefix: the team's job-name prefix, once known. Default: not known yet.
    :param other_prefixes: the job-name prefixes of the platform's other teams. Default: none.
    """

    name: str
    existing: frozenset[str] = frozenset()
    name_prefix: str | None = None
    other_prefixes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GpuImageChoice:
    """``include_gpu_image`` and the image names asked for: the subject of HPO-PLATFORM-010.

    :param include: whether the packaged GPU image is added.
    :param names: the names of the images passed in ``images``.
    :param gpu_name: the name the packaged image is published under.
    """

    include: bool
    names: frozenset[str]
    gpu_name: str


_NAME_RULE = "must be 1 to 64 letters, digits, '_', '.' or '-'"


@rule(
    "HPO-PLATFORM-001",
    statement="A platform's name (without a namespace) is 1 to 64 letters, digits, '_', '.' or '-', known at synth.",
    field="SSM parameter name",
    source=Source.LIBRARY,
    reference="the namespace /sagemaker-hpo/<name>/ (SSM parameter name characters)",
    subjects=NamespaceChoice,
)
def _platform_name(choice: NamespaceChoice, finding: Finding) -> None:
    if choice.namespace is None:
        name = choice.name
        finding.require(isinstance(name, str) and not is_unresolved(name) and bool(NAME_PATTERN.match(name)),
                        "name", name, _NAME_RULE)  # fmt: skip


@rule(
    "HPO-PLATFORM-002",
    statement="A platform's namespace is known at synth time (not a token).",
    field="SSM parameter name",
    source=Source.LIBRARY,
    reference="parameter names are built and checked at synth time",
    subjects=NamespaceChoice,
)
def _namespace_known(choice: NamespaceChoice, finding: Finding) -> None:
    namespace = choice.resolved
    finding.require(not is_unresolved(namespace), "namespace", namespace, "must be known at synth time (not a token)")


@rule(
    "HPO-PLATFORM-003",
    statement="A namespace is / then 1 to 12 segments of letters, digits, '_', '.' or '-', each followed by /.",
    field="SSM parameter name",
    source=Source.API_REFERENCE,
    reference="SSM PutParameter Name (hierarchies of at most 15 levels)",
    subjects=NamespaceChoice,
)
def _namespace_format(choice: NamespaceChoice, finding: Finding) -> None:
    namespace = choice.resolved
    finding.require(
        isinstance(namespace, str) and bool(NAMESPACE_PATTERN.match(namespace)),
        "namespace",
        namespace,
        "must look like /team/platform/: 1 to 12 segments of letters, digits, '_', '.' or '-', each followed by /",
    )


@rule(
    "HPO-PLATFORM-004",
    statement="A namespace does not start with /aws or /ssm (reserved by SSM).",
    field="SSM parameter name",
    source=Source.API_REFERENCE,
    reference="SSM PutParameter Name (aws and ssm prefixes are reserved)",
    subjects=NamespaceChoice,
)
def _namespace_not_reserved(choice: NamespaceChoice, finding: Finding) -> None:
    namespace = choice.resolved
    finding.require(not namespace.lower().startswith(("/aws", "/ssm")), "namespace", namespace,
                    "must not start with /aws or /ssm (reserved by SSM)")  # fmt: skip


@rule(
    "HPO-PLATFORM-005",
    statement=f"A namespace is at most {NAMESPACE_MAX_LENGTH} characters (the keys and team paths follow it).",
    field="SSM parameter name",
    source=Source.API_REFERENCE,
    reference="SSM PutParameter Name (at most 1011 characters)",
    subjects=NamespaceChoice,
)
def _namespace_length(choice: NamespaceChoice, finding: Finding) -> None:
    namespace = choice.resolved
    finding.require(len(namespace) <= NAMESPACE_MAX_LENGTH, "namespace", namespace,
                    f"must be at most {NAMESPACE_MAX_LENGTH} characters")  # fmt: skip


@rule(
    "HPO-PLATFORM-006",
    statement="An image name is 1 to 64 letters, digits, '_', '.' or '-', known at synth time.",
    field="SSM parameter name",
    source=Source.LIBRARY,
    reference="the parameter <namespace>images/<name>/uri",
    subjects=ImageName,
)
def _image_name(image: ImageName, finding: Finding) -> None:
    name = image.name
    finding.require(isinstance(name, str) and not is_unresolved(name) and bool(NAME_PATTERN.match(name)),
                    "images name", name, _NAME_RULE)  # fmt: skip


@rule(
    "HPO-PLATFORM-007",
    statement="A team name is 1 to 32 lower-case letters, digits and '-', starting with a letter, not ending in '-'.",
    field="Tags (sagemaker-hpo:team), SSM parameter name",
    source=Source.LIBRARY,
    reference="the team's tag value, namespace segment and job-name prefix",
    subjects=TeamChoice,
)
def _team_name(team: TeamChoice, finding: Finding) -> None:
    finding.require(isinstance(team.name, str) and bool(TEAM_NAME_PATTERN.match(team.name)), "team", team.name,
                    "must be 1 to 32 lower-case letters, digits and '-', starting with a letter")  # fmt: skip


@rule(
    "HPO-PLATFORM-008",
    statement="A platform's team names are unique.",
    field="SSM parameter name",
    source=Source.LIBRARY,
    reference="HpoPlatform.add_team",
    subjects=TeamChoice,
)
def _team_unique(team: TeamChoice, finding: Finding) -> None:
    finding.require(team.name not in team.existing, "team", team.name, "is already a team of this platform")


@rule(
    "HPO-PLATFORM-009",
    statement="Two teams of a platform never get the same job-name prefix (IAM keeps teams apart by it).",
    field="HyperParameterTuningJobName",
    source=Source.LIBRARY,
    reference="team_job_prefix (letters and digits of the name and 4 hash characters)",
    subjects=TeamChoice,
)
def _team_prefix_unique(team: TeamChoice, finding: Finding) -> None:
    if team.name_prefix is not None:
        finding.require(team.name_prefix not in team.other_prefixes, "team", team.name,
                        "gives the same job-name prefix as another team")  # fmt: skip


@rule(
    "HPO-PLATFORM-010",
    statement="With include_gpu_image, no other image takes the packaged GPU image's name.",
    field="SSM parameter name",
    source=Source.LIBRARY,
    reference="HpoPlatform(include_gpu_image=True) publishes images/gpu/uri",
    subjects=GpuImageChoice,
)
def _gpu_name_free(choice: GpuImageChoice, finding: Finding) -> None:
    if choice.include:
        finding.require(choice.gpu_name not in choice.names, "images", choice.gpu_name,
                        "is taken by include_gpu_image; pick another name")  # fmt: skip


@dataclass(frozen=True)
class PublishedGuardrails:
    """The ``guardrails`` parameter of a platform or team, as a context lookup read it: HPO-PLATFORM-011.

    :param parameter: the parameter's name.
    :param value: its value.
    """

    parameter: str
    value: str


@rule(
    "HPO-PLATFORM-011",
    statement="The guardrails parameter an imported platform reads by a context lookup is JSON.",
    field="SSM parameter value",
    source=Source.LIBRARY,
    reference="the parameter <namespace>guardrails (Guardrails.to_json)",
    subjects=PublishedGuardrails,
)
def _published_guardrails(published: PublishedGuardrails, finding: Finding) -> None:
    try:
        json.loads(published.value)
    except ValueError:
        finding.fail("guardrails", published.value, f"the parameter {published.parameter} is not JSON")
