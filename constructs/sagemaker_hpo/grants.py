"""Permissions that follow the job: each input, output, image, key and VPC binds itself to the job's role.

``RoleBinding.of(scope, role)`` decides once what kind of role a training definition uses and returns the strategy
that grants it (each holds its own rules):

- ``TrainingRoleGrants``: a ``TrainingRole`` is granted through its own methods (deduplicated, merged by bucket and
  action set, with truthful cdk-nag acknowledgements);
- ``OwnedRoleGrants``: any other mutable role (an ``iam.Role`` of this app, or a role imported with ``mutable=True``)
  gets the same statements through ``add_to_principal_policy``, merged the same way across every job of the role;
- ``DeclaredRoleGrants``: a role the platform published (``HpoPlatform.from_parameters``) is immutable but its grants
  are known (a ``RoleGrants`` manifest): what it already has is fine, anything else is a synth error naming the
  construct path, the field, the permission that is missing and the fix;
- ``ImmutableRoleGrants``: any other immutable role (``Role.from_role_arn(..., mutable=False)``) cannot be changed
  and its policies are not known here: each grant becomes the warning ``sagemaker-hpo:ImmutableRoleNotGranted``
  naming the permission it needs.

Nothing is dropped silently. What the library knows about a role beyond its kind (the grants a platform declared
for it, whether it is a team's or the platform's shared role) is kept in a ``RoleProfile`` held by a weak reference
to the role object: it lives exactly as long as the role does, and no other object (in this app or another) can be
taken for it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_cdk import Annotations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._merged_statements import MergedStatements
from ._tree import path_of
from .locations import S3Location
from .role import (
    TrainingRole,
    grant_pull,
    grant_read_data,
    grant_volume_key,
    grant_write_artifacts,
    vpc_statements,
)
from .rules import run_rules
from .rules.grants import AssetPull, DeclaredGrant

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


@dataclass
class RoleProfile:
    """What the library knows about one role object besides its kind (see ``role_profile``)."""

    #: What the platform granted the role it published (``HpoPlatform.from_parameters``), if it is one.
    declared: RoleGrants | None = None
    #: For a team's role: its owner (for messages) and team; such a role never pulls from the CDK assets repository.
    team_owner: tuple[str, str] | None = None
    #: The role is shared by every consumer of a platform (pull on the CDK assets repository warns).
    shared: bool = False
    #: The merged statements of a mutable role that is not a ``TrainingRole``, shared by all its jobs.
    merged: MergedStatements | None = None


#: Profiles by role object. Weak keys: a profile lives as long as its role object, and an entry is found only with
#: that very object (keys compare by identity; an ``id()`` could be reused by another object once one is collected).
_PROFILES: weakref.WeakKeyDictionary[iam.IRole, RoleProfile] = weakref.WeakKeyDictionary()


def role_profile(role: iam.IRole) -> RoleProfile:
    """The profile of ``role`` (an empty one, recorded, the first time)."""
    profile = _PROFILES.get(role)
    if profile is None:
        profile = _PROFILES[role] = RoleProfile()
    return profile


def register_imported_role(role: iam.IRole, grants: RoleGrants) -> None:
    """Record what the platform granted the imported ``role``."""
    role_profile(role).declared = grants


def forbid_assets_repository(role: iam.IRole, owner: str, team: str) -> None:
    """``role`` (the team ``team``'s) must never pull from the CDK assets repository: an asset image is an error."""
    role_profile(role).team_owner = (owner, team)


def team_of(role: iam.IRole) -> str | None:
    """The team ``role`` belongs to (a team's ``TrainingRole`` or an imported team role), or ``None``."""
    profile = _PROFILES.get(role)
    if profile is None:
        return None
    if profile.declared is not None:
        return profile.declared.team
    return None if profile.team_owner is None else profile.team_owner[1]


def mark_shared(role: iam.IRole) -> None:
    """``role`` is shared by a whole platform: granting it the CDK assets repository warns."""
    role_profile(role).shared = True


def is_immutable_import(role: iam.IRole) -> bool:
    """Whether ``role`` is an imported role the CDK will not add statements to (``Role.from_role_arn(...,
    mutable=False)``, or a role of another account).

    The CDK offers no public way to tell: such a role's ``add_to_principal_policy`` answers ``statement_added=True``
    without adding anything. ``Role.from_role_arn`` builds the immutable role next to the mutable import it wraps,
    whose id is ``MutableRole<id>``: that sibling is the only sign. This is the one place that relies on it;
    ``tests/test_grants.py`` checks it on the installed aws-cdk-lib, within the range ``pyproject.toml`` supports.
    """
    if isinstance(role, iam.Role):
        return False
    scope = role.node.scope
    return scope is not None and scope.node.try_find_child(f"MutableRole{role.node.id}") is not None


def _prefix_covers(
    granted: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]], location: S3Location
) -> bool:
    if callable(granted):
        granted = granted()
    return any(location.bucket_name == bucket and location.key_prefix.startswith(prefix) for bucket, prefix in granted)


def _read_permission(location: S3Location) -> str:
    return f"s3:GetObject and s3:ListBucket on {location.uri}*"


def _write_permission(location: S3Location) -> str:
    return f"s3:PutObject on {location.uri}*"


def _volume_key_permission(key: kms.IKey) -> str:
    return f"kms:CreateGrant on the key {path_of(key)}"


class RoleBinding:
    """The job's role, able to grant what an input, output, image, key or VPC needs (see the module docs).

    Get one with ``RoleBinding.of(scope, role)``, which picks the strategy for the kind of role; the rules common to
    every kind (no CDK assets for a team's role, image URIs that name no repository) are here.
    """

    def __init__(self, scope: Construct, role: iam.IRole, profile: RoleProfile | None = None) -> None:
        """Bind ``role`` for the job at ``scope``.

        :param scope: the construct the binding is for (errors and warnings name its path).
        :param role: the role SageMaker assumes for the job.
        :param profile: what is known about ``role``. Default: ``role_profile(role)``.
        """
        self.scope = scope
        self.role = role
        self.profile = role_profile(role) if profile is None else profile

    @staticmethod
    def of(scope: Construct, role: iam.IRole) -> RoleBinding:
        """The binding of ``role`` for the construct ``scope``: the strategy for its kind, decided here once."""
        profile = role_profile(role)
        if profile.declared is not None:
            return DeclaredRoleGrants(scope, role, profile, profile.declared)
        if isinstance(role, TrainingRole):
            return TrainingRoleGrants(scope, role, profile)
        if is_immutable_import(role):
            return ImmutableRoleGrants(scope, role, profile)
        return OwnedRoleGrants(scope, role, profile)

    # -- what each thing needs (each strategy grants, checks or warns) --------------------------------------------

    def read(self, location: S3Location, field_name: str) -> None:  # pragma: no cover - abstract
        """Read the objects under ``location``."""
        raise NotImplementedError

    def write(self, location: S3Location, field_name: str) -> None:  # pragma: no cover - abstract
        """Write objects under ``location``."""
        raise NotImplementedError

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:  # pragma: no cover - abstract
        """Pull images from ``repository``."""
        raise NotImplementedError

    def pull_repository_arn(
        self, repository_arn: str, image_uri: str, field_name: str
    ) -> None:  # pragma: no cover - abstract
        """Pull the image ``image_uri`` from the repository ``repository_arn``."""
        raise NotImplementedError

    def volume_key(self, key: kms.IKey, field_name: str) -> None:  # pragma: no cover - abstract
        """Use ``key`` for the instances' storage volumes."""
        raise NotImplementedError

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:  # pragma: no cover - abstract
        """Attach network interfaces in ``vpc``."""
        raise NotImplementedError

    # -- rules common to every kind -------------------------------------------------------------------------------

    def output_key(self, key: kms.IKey, location: S3Location, field_name: str) -> None:
        """Encrypt the output written to ``location`` with ``key``."""
        self.write(S3Location(location.bucket_name, location.key_prefix, location.bucket, key), field_name)

    def pull_asset(self, asset_repository: ecr.IRepository, field_name: str) -> None:
        """Pull a Docker image asset, which lives in the account's CDK assets repository."""
        declared = self.profile.declared
        owner = (
            self.profile.team_owner[0]
            if self.profile.team_owner is not None
            else declared.owner
            if declared is not None and declared.team
            else None
        )
        run_rules(AssetPull(field_name, owner), path=path_of(self.scope))  # HPO-GRANT-001
        if self.profile.shared:
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
        self.pull_repository_arn(repository_arn, image_uri, field_name)


class TrainingRoleGrants(RoleBinding):
    """A ``TrainingRole``: granted through its own methods."""

    role: TrainingRole

    def read(self, location: S3Location, field_name: str) -> None:
        self.role.grant_read_data(location)

    def write(self, location: S3Location, field_name: str) -> None:
        self.role.grant_write_artifacts(location)

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:
        self.role.grant_pull_image(repository)

    def pull_repository_arn(self, repository_arn: str, image_uri: str, field_name: str) -> None:
        self.role.grant_pull_repository_arn(repository_arn)

    def volume_key(self, key: kms.IKey, field_name: str) -> None:
        self.role.grant_kms_volume(key)

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:
        self.role.allow_vpc_access(vpc, subnet_ids)


class OwnedRoleGrants(RoleBinding):
    """Any other role this app may change: the same statements as a ``TrainingRole``'s, through
    ``add_to_principal_policy``, merged across every job of the role (one statement per bucket and action set)."""

    def __init__(self, scope: Construct, role: iam.IRole, profile: RoleProfile | None = None) -> None:
        super().__init__(scope, role, profile)
        if self.profile.merged is None:
            self.profile.merged = MergedStatements(role.add_to_principal_policy)
        self._merged = self.profile.merged

    def read(self, location: S3Location, field_name: str) -> None:
        grant_read_data(self._merged, location)

    def write(self, location: S3Location, field_name: str) -> None:
        grant_write_artifacts(self._merged, location)

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:
        grant_pull(self._merged, repository.repository_arn)

    def pull_repository_arn(self, repository_arn: str, image_uri: str, field_name: str) -> None:
        grant_pull(self._merged, repository_arn)

    def volume_key(self, key: kms.IKey, field_name: str) -> None:
        grant_volume_key(self._merged, key)

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:
        interfaces, describe = vpc_statements(vpc, subnet_ids)
        self._merged.once(f"vpc:{vpc.node.path}:{','.join(subnet_ids)}", lambda: interfaces)
        self._merged.once("vpc:describe", lambda: describe)


class ImmutableRoleGrants(RoleBinding):
    """An imported role that cannot be changed and whose policies are unknown: each grant is a warning naming the
    permission it needs."""

    def read(self, location: S3Location, field_name: str) -> None:
        self._not_granted(field_name, _read_permission(location))

    def write(self, location: S3Location, field_name: str) -> None:
        self._not_granted(field_name, _write_permission(location))

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:
        self._not_granted(field_name, f"ecr:BatchGetImage on {repository.node.path}")

    def pull_repository_arn(self, repository_arn: str, image_uri: str, field_name: str) -> None:
        self._not_granted(field_name, f"ecr:BatchGetImage on {repository_arn}")

    def volume_key(self, key: kms.IKey, field_name: str) -> None:
        self._not_granted(field_name, _volume_key_permission(key))

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:
        self._not_granted(field_name, "ec2:CreateNetworkInterface in the VPC")

    def _not_granted(self, field_name: str, permission: str) -> None:
        Annotations.of(self.scope).add_warning_v2(
            IMMUTABLE_ROLE_WARNING,
            f"{field_name}: the role {self.role.node.path} is immutable and was not granted {permission}: make sure "
            "it already has it, or pass a role this stack may change (or none: the job then gets its own)",
        )


class DeclaredRoleGrants(RoleBinding):
    """A role the platform published: immutable, with known grants (``RoleGrants``). What it has is fine; anything
    else is a ``ValidationError`` naming the permission that is missing and the fix."""

    def __init__(
        self, scope: Construct, role: iam.IRole, profile: RoleProfile | None = None, declared: RoleGrants | None = None
    ) -> None:
        super().__init__(scope, role, profile)
        declared = declared or self.profile.declared
        if declared is None:  # a programming error: RoleBinding.of picks this kind only for a declared role
            raise TypeError(
                "DeclaredRoleGrants is for a role whose grants a platform declared (register_imported_role)"
            )
        #: What the platform granted the role.
        self.declared = declared

    def read(self, location: S3Location, field_name: str) -> None:
        covered = _prefix_covers(self.declared.reads, location)
        self._require(covered, field_name, location.uri, _read_permission(location))
        self._key_covered(location.kms_key, field_name)

    def write(self, location: S3Location, field_name: str) -> None:
        covered = _prefix_covers(self.declared.writes, location)
        self._require(covered, field_name, location.uri, _write_permission(location))
        self._key_covered(location.kms_key, field_name)

    def pull(self, repository: ecr.IRepository, field_name: str) -> None:
        self._require(
            False,
            field_name,
            repository.repository_name,
            f"ecr:BatchGetImage on the repository {repository.node.path} (a platform role pulls only from the "
            "repositories the platform gave it; use platform.training_image(name) for those)",
        )

    def pull_repository_arn(self, repository_arn: str, image_uri: str, field_name: str) -> None:
        self._require(False, field_name, image_uri, f"ecr:BatchGetImage on {repository_arn}")

    def volume_key(self, key: kms.IKey, field_name: str) -> None:
        granted = self.declared.volume_key_arns
        covered = any(key.key_arn == arn for arn in (granted() if callable(granted) else granted))
        self._require(covered, field_name, path_of(key), _volume_key_permission(key))

    def vpc(self, vpc: ec2.IVpc, subnet_ids: Sequence[str], field_name: str) -> None:
        covered = any(
            granted is None or granted is vpc or granted.vpc_id == vpc.vpc_id for granted in self.declared.vpcs
        )
        self._require(
            covered,
            field_name,
            path_of(vpc),
            "ec2:CreateNetworkInterface (and the other network-interface permissions) in this VPC; the platform "
            "grants them for its own VPC only (HpoPlatform(vpc=...)): declare it with "
            "HpoPlatform.from_parameters(..., vpc=<the platform's VPC>) when the jobs run in it",
        )

    def _key_covered(self, key: kms.IKey | None, field_name: str) -> None:
        if key is not None:
            covered = any(key.key_arn == arn for arn in self.declared.key_arns)
            permission = f"kms:Decrypt and kms:GenerateDataKey on the key {path_of(key)}"
            self._require(covered, field_name, path_of(key), permission)

    def _require(self, granted: bool, field_name: str, value: object, permission: str) -> None:
        """HPO-GRANT-002 decides: a permission the platform did not grant the role is an error naming the fix."""
        need = DeclaredGrant(field_name, value, permission, granted, self.declared.owner, self.declared.fix)
        run_rules(need, path=path_of(self.scope))
