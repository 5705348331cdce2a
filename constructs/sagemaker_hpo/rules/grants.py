"""HPO-GRANT: what a job may ask of a training role it cannot change.

The grant strategies (``grants.py``) decide what a role has; these rules turn a gap into an error that names the
job's path, the field and the rule id, before anything reaches AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._registry import Finding, Source, rule


@dataclass(frozen=True)
class AssetPull:
    """A Docker image asset (the account's CDK assets repository) asked for by a job of ``owner``'s role: the subject
    of HPO-GRANT-001.

    :param field: the job's field that names the image.
    :param owner: the team whose role would pull it. Default: no team (the platform's or an app's own role).
    """

    field: str
    owner: str | None = None


@dataclass(frozen=True)
class DeclaredGrant:
    """A permission a job needs from a platform's imported training role: the subject of HPO-GRANT-002.

    :param field: the job's field that needs it.
    :param value: what the field names (a location, repository, key or VPC).
    :param permission: the permission, e.g. ``s3:GetObject and s3:ListBucket on s3://bucket/prefix*``.
    :param granted: whether the platform granted it to the role.
    :param owner: whose role it is (``the platform`` or ``team vision``).
    :param fix: how to get the job within what was granted.
    """

    field: str
    value: object
    permission: str
    granted: bool
    owner: str
    fix: str


@rule(
    "HPO-GRANT-001",
    statement="A team's training role is never granted pull on the account's CDK assets repository: a team's images "
    "come from the platform's repositories.",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.LIBRARY,
    reference="README, Platform teams (every CDK app of the account pushes images to the assets repository)",
    subjects=AssetPull,
)
def _no_asset_pull_for_a_team(subject: AssetPull, finding: Finding) -> None:
    finding.require(
        subject.owner is None,
        subject.field,
        "Docker image asset",
        f"the role of {subject.owner} is never granted pull on the CDK assets repository (every CDK app of the "
        "account pushes images there, so any of them could run its image as the team's role). Copy the image into a "
        "repository of the platform (e.g. cdk-ecr-deployment's ECRDeployment, or docker push) and give that "
        "repository to the team: add_team(name, repositories=[repo], images={'name': "
        "TrainingImage.from_ecr_repository(repo, tag)})",
    )


@rule(
    "HPO-GRANT-002",
    statement="A platform's imported training role is used only for what the platform granted it (its buckets' "
    "prefixes, repositories, keys and VPC): it cannot be changed in the job's stack.",
    field="RoleArn",
    source=Source.LIBRARY,
    reference="HpoPlatform.from_parameters (the role's grants are published with it)",
    subjects=DeclaredGrant,
)
def _declared_grants_cover_the_job(subject: DeclaredGrant, finding: Finding) -> None:
    finding.require(
        subject.granted,
        subject.field,
        subject.value,
        f"the training role of {subject.owner} is imported and cannot be changed here, and it lacks "
        f"{subject.permission}. {subject.fix}",
    )
