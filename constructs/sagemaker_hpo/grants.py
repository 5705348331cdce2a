"""Permissions that follow the job: each input, output, image, key and VPC binds itself to the job's role.

``RoleBinding.of(scope, role)`` wraps the role a training definition uses:

- a ``TrainingRole`` is granted through its own methods (deduplicated, with truthful cdk-nag acknowledgements);
- any other mutable role (an ``iam.Role`` of this app, or a role imported with ``mutable=True``) gets the same
  statements through ``add_to_principal_policy``;
- a role the platform published (``HpoPlatform.from_parameters``) is immutable but its grants are known (a
  ``RoleGrants`` manifest): what it already has is fine, anything else is a synth error naming the construct path,
  the field, the permission that is missing and the fix;
- any other immutable role (``Role.from_role_arn(..., mutable=False)``) cannot be changed and its policies are not
  known here: each grant becomes the warning ``sagemaker-hpo:ImmutableRoleNotGranted`` naming the permission it needs.

Nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_cdk import Annotations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._validation import ValidationError
from .locations import S3Location
from .role import (
    TrainingRole,
    authorization_token_statement,
    pull_image_statement,
    read_data_statements,
    volume_key_statement,
    vpc_statements,
    write_artifacts_statements,
)

#: Warning: an immutable role of unknown policies was not granted a permission its job needs.
IMMUTABLE_ROLE_WARNING = "sagemaker-hpo:ImmutableRoleNotGranted"
#: Warning: the platform's shared role is granted pull on the CDK assets repository of the account.
ASSETS_REPOSITORY_WARNING = "sagemaker-hpo:CdkAssetsRepositoryPull"
#: Warning: an image known only by its URI: no pull permission can be granted for it.
IMAGE_URI_WARNING = "sagemaker-hpo:ImageUriNotGranted"

#: A private ECR image URI: account, region, repository name (then an optional tag or digest).
_ECR_URI = re.compile(
    r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+)(?::[\w.-]+|@sha256:[0-9a-f]{64})?$"
)


def ecr_repository_arn(image_uri: str) -> str | None:
    """The repository ARN of a literal private ECR image URI; ``None`` for anything else (tokens included)."""
    match = _ECR_URI.match(image_uri)
    if match is None:
        return None
    account, region, name = match.groups()
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return f"arn:{partition}:ecr:{region}:{account}:repository/{name}"


@dataclass
class RoleGrants:
    """What a platform granted a role it published: the only things jobs using the imported role may rely on.

    :param owner: who owns the role, for messages, e.g. ``"team 'vision' of the platform /sagemaker-hpo/default/"``.
    :param fix: how to get a missing permission, for messages.
    :param reads: (bucket name, key prefix) pairs the role may read, or a function returning them (called on first
        use, so an imported bucket's SSM parameter exists only in stacks whose jobs read from it).
    :param writes: (bucket name, key prefix) pairs the role may write, or a function returning them.
    :param key_arns: KMS keys the role may use through S3 (and for volumes when ``volume_key_arns`` lists them).
    :param volume_key_arns: KMS keys the role may use for storage volumes, or a function returning them.
    :param vpcs: VPCs the role may attach network interfaces in (``None`` in the list: any VPC).
    :param team: the team the role belongs to, when it is a team's role (assets are then refused).
    """

    owner: str
    fix: str
    reads: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] = ()
    writes: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] = ()
    key_arns: list[str] = field(default_factory=list)
    volume_key_arns: Sequence[str] | Callable[[], Sequence[str]] = field(default_factory=list)
    vpcs: list[ec2.IVpc | None] = field(default_factory=list)
    team: str | None = None


#: Manifests of imported platform roles and the policies of team roles, by ``id`` of the role object.
_MANIFESTS: dict[int, tuple[iam.IRole, RoleGrants]] = {}
#: Roles that must never be granted pull on the CDK assets repository (teams' roles), by ``id``: the role, its
#: owner (for messages) and its team.
_NO_ASSETS: dict[int, tuple[iam.IRole, str, str]] = {}
#: Roles shared by every consumer of a platform (pull on the assets repository warns), by ``id``.
_SHARED: dict[int, iam.IRole] = {}


def register_imported_role(role: iam.IRole, grants: RoleGrants) -> None:
    """Record what the platform granted the imported ``role``."""
    _MANIFESTS[id(role)] = (role, grants)


def forbid_assets_repository(role: iam.IRole, owner: str, team: str) -> None:
    """``role`` (the team ``team``'s) must never pull from the CDK assets repository: an asset image is an error."""
    _NO_ASSETS[id(role)] = (role, owner, team)


def team_of(role: iam.IRole) -> str | None:
    """The team ``role`` belongs to (a team's ``TrainingRole`` or an imported team role), or ``None``."""
    known = _MANIFESTS.get(id(role))
    if known is not None and known[0] is role:
        return known[1].team
    team = _NO_ASSETS.get(id(role))
    return team[2] if team is not None and team[0] is role else None


def mark_shared(role: iam.IRole) -> None:
    """``role`` is shared by a whole platform: granting it the CDK assets repository warns."""
    _SHARED[id(role)] = role


def _is_immutable_import(role: iam.IRole) -> bool:
    """``Role.from_role_arn(..., mutable=False)`` puts a ``MutableRole<id>`` sibling next to the role it returns."""
    scope = role.node.scope
    return scope is not None and scope.node.try_find_child(f"MutableRole{role.node.id}") is not None


def _prefix_covers(
    granted: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]], location: S3Location
) -> bool:
    if callable(granted):
        granted = granted()
    return any(location.bucket_name == bucket and location.key_prefix.startswith(prefix) for bucket, prefix in granted)


class RoleBinding:
    """The job's role, able to grant what an input, output, image, key or VPC needs (see the module docs)."""

    def __init__(self, scope: Construct, role: iam.IRole) -> None:
        """Bind ``role`` for the job at ``scope``.

        :param scope: the construct the binding is for (errors and warnings name its path).
        :param role: the role SageMaker assumes for the job.
        """
        self.scope = scope
        self.role = role
        known = _MANIFESTS.get(id(role))
        #: What the platform granted an imported platform role; ``None`` for other roles.
        self.manifest: RoleGrants | None = known[1] if known is not None and known[0] is role else None
        #: Whether grants can be added to the role.
        self.mutable = self.manifest is None and (isinstance(role, iam.Role) or not _is_immutable_import(role))

    @staticmethod
    def of(scope: Construct, role: iam.IRole) -> RoleBinding:
        """A binding of ``role`` for the construct ``scope``."""
        return RoleBinding(scope, role)

    # -- what each thing needs ------------------------------------------------------------------------------------

    def read(self, location: S3Location, field_name: str) -> None:
        """Read the objects under ``location``."""
        if isinstance(self.role, TrainingRole):
            self.role.grant_read_data(location)
        elif self.manifest is not None:
            if not _prefix_covers(self.manifest.reads, location):
                self._missing(field_name, location.uri, f"s3:GetObject and s3:ListBucket on {location.uri}*")
            self._key_covered(location.kms_key, field_name)
        else:
            self._grant(
                read_data_statements(location), field_name, f"s3:GetObject and s3:ListBucket on {location.uri}*"
            )

    def write(self, location: S3Location, field_name: str) -> None:
        """Write objects under ``location``."""
        if isinstance(self.role, TrainingRole):
            self.role.grant_write_artifacts(location)
        elif self.manifest is not None:
            if not _prefix_covers(self.manifest.writes, location):
                self._missing(field_name, location.uri, f"s3:PutObject on {location.uri}*")
            self._key_covered(location.kms_key, field_name)
        else:
            self._grant(write_artifacts_statements(location), field_name, f"s3:PutObject on {location.uri}*")

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:
        """Pull images from ``repository``."""
        if isinstance(self.role, TrainingRole):
            self.role.grant_pull_image(repository)
        elif self.manifest is not None:
            self._missing(
                field_name,
                repository.repository_name,
                f"ecr:BatchGetImage on the repository {repository.node.path} (a platform role pulls only from the "
                "repositories the platform gave it; use platform.training_image(name) for those)",
            )
        else:
            what = f"ecr:BatchGetImage on {repository.node.path}"
            self._grant(
                [pull_image_statement(repository.repository_arn), authorization_token_statement()], field_name, what
            )

    def pull_asset(self, asset_repository: ecr.IRepository, field_name: str) -> None:
        """Pull a Docker image asset, which lives in the account's CDK assets repository."""
        team = _NO_ASSETS.get(id(self.role))
        if (team is not None and team[0] is self.role) or (self.manifest is not None and self.manifest.team):
            owner = team[1] if team is not None else self.manifest.owner if self.manifest else "the team"
            raise ValidationError(
                self.scope.node.path,
                field_name,
                "Docker image asset",
                f"the role of {owner} is never granted pull on the CDK assets repository (every CDK app of the account "
                "pushes images there, so any of them could run its image as the team's role). Copy the image into a "
                "repository of the platform (e.g. cdk-ecr-deployment's ECRDeployment, or docker push) and give that "
                "repository to the team: add_team(name, repositories=[repo], images={'name': "
                "TrainingImage.from_ecr_repository(repo, tag)})",
            )
        shared = _SHARED.get(id(self.role))
        if shared is not None and shared is self.role:
            Annotations.of(self.scope).add_warning_v2(
                ASSETS_REPOSITORY_WARNING,
                f"{field_name}: the platform's shared training role is granted pull on the CDK assets repository, where "
                "every CDK app of the account pushes its images: anyone who can deploy a CDK app could run an image as "
                "this role. Prefer teams (HpoPlatform.add_team) with images in repositories of the platform",
            )
        self.pull(asset_repository, field_name)

    def pull_uri(self, image_uri: str, field_name: str, *, granted_by_platform: bool = False) -> None:
        """Pull the image ``image_uri``: its repository is granted when the URI names one; otherwise a warning."""
        if granted_by_platform:
            return
        repository_arn = ecr_repository_arn(image_uri)
        if repository_arn is None:
            Annotations.of(self.scope).add_warning_v2(
                IMAGE_URI_WARNING,
                f"{field_name}: no pull permission can be granted for the image {image_uri!r} (not a literal ECR image "
                "URI): the role must already be allowed to pull it. Prefer TrainingImage.from_ecr_repository, or "
                "platform.training_image(name) for a platform's image",
            )
            return
        if isinstance(self.role, TrainingRole):
            self.role.grant_pull_repository_arn(repository_arn)
        elif self.manifest is not None:
            self._missing(field_name, image_uri, f"ecr:BatchGetImage on {repository_arn}")
        else:
            self._grant([pull_image_statement(repository_arn), authorization_token_statement()], field_name,
                        f"ecr:BatchGetImage on {repository_arn}")  # fmt: skip

    def volume_key(self, key: kms.IKey, field_name: str) -> None:
        """Use ``key`` for the instances' storage volumes."""
        if isinstance(self.role, TrainingRole):
            self.role.grant_kms_volume(key)
        elif self.manifest is not None:
            granted = self.manifest.volume_key_arns
            if not any(key.key_arn == arn for arn in (granted() if callable(granted) else granted)):
                self._missing(field_name, key.node.path, f"kms:CreateGrant on the key {key.node.path}")
        else:
            self._grant([volume_key_statement(key)], field_name, f"kms:CreateGrant on the key {key.node.path}")

    def output_key(self, key: kms.IKey, location: S3Location, field_name: str) -> None:
        """Encrypt the output written to ``location`` with ``key``."""
        self.write(S3Location(location.bucket_name, location.key_prefix, location.bucket, key), field_name)

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:
        """Attach network interfaces in ``vpc``."""
        if isinstance(self.role, TrainingRole):
            self.role.allow_vpc_access(vpc, subnet_ids)
        elif self.manifest is not None:
            if not any(
                granted is None or granted is vpc or granted.vpc_id == vpc.vpc_id for granted in self.manifest.vpcs
            ):
                self._missing(
                    field_name,
                    vpc.node.path,
                    "ec2:CreateNetworkInterface (and the other network-interface permissions) in this VPC; the platform "
                    "grants them for its own VPC only (HpoPlatform(vpc=...)): declare it with "
                    "HpoPlatform.from_parameters(..., vpc=<the platform's VPC>) when the jobs run in it",
                )
        else:
            self._grant(vpc_statements(vpc, subnet_ids), field_name, "ec2:CreateNetworkInterface in the VPC")

    # -- mechanics ------------------------------------------------------------------------------------------------

    def _key_covered(self, key: kms.IKey | None, field_name: str) -> None:
        assert self.manifest is not None
        if key is not None and not any(key.key_arn == arn for arn in self.manifest.key_arns):
            self._missing(field_name, key.node.path, f"kms:Decrypt and kms:GenerateDataKey on the key {key.node.path}")

    def _missing(self, field_name: str, value: object, permission: str) -> None:
        assert self.manifest is not None
        raise ValidationError(
            self.scope.node.path,
            field_name,
            value,
            f"the training role of {self.manifest.owner} is imported and cannot be changed here, and it lacks "
            f"{permission}. {self.manifest.fix}",
        )

    def _grant(self, statements: list[iam.PolicyStatement], field_name: str, permission: str) -> None:
        if not self.mutable:
            Annotations.of(self.scope).add_warning_v2(
                IMMUTABLE_ROLE_WARNING,
                f"{field_name}: the role {self.role.node.path} is immutable and was not granted {permission}: make sure "
                "it already has it, or pass a role this stack may change (or none: the job then gets its own)",
            )
            return
        for statement in statements:
            self.role.add_to_principal_policy(statement)
