"""``HpoPlatform``: what a training account needs once, published to SSM; ``ImportedHpoPlatform``: its import.

A platform team deploys one ``HpoPlatform`` (a KMS key, the training buckets, the training role, optional training
images and the tuning-job provider). It publishes what consumers need as SSM String parameters under a namespace
(default ``/sagemaker-hpo/<name>/``). Any other stack, in the same app or another one, imports it in one call with
``HpoPlatform.from_parameters``: the values are resolved by CloudFormation at deploy time
(``AWS::SSM::Parameter::Value<String>`` parameters), so there are no cross-stack exports that would pin the
platform's resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from ._imported import register_platform_import
from ._parameters import IMAGE_URI_KEY, publish_parameters
from ._validation import ValidationError
from .buckets import CHECKPOINT_PREFIX, DEFAULT_CHECKPOINT_EXPIRATION, OUTPUT_PREFIX, BucketHelpers, TrainingBuckets
from .grants import RoleGrants, mark_shared, register_imported_role
from .guardrail_checks import GUARDRAILS_DIGEST_KEY, guard_provider, guardrails_digest, register_drift_check
from .guardrails import Guardrails
from .image import TrainingImage, TrainingImageSource, as_training_image
from .objective import MetricDefinition
from .provider import PROVIDER_ID, ImportedTuningJobProvider, TuningJobProvider, tuning_job_arn
from .role import TrainingRole, training_log_streams_arn
from .secure_defaults import DEFAULT_NONCURRENT_VERSION_EXPIRATION
from .team import (
    NAME_PREFIX_KEY,
    TEAM_VOLUME_KEY_ARN_KEY,
    TEAMS_PREFIX,
    Team,
    check_team_name,
    team_job_prefix,
    team_namespace,
    team_root,
)
from .training import subnet_ids_of

#: The platform name used when none is given; its namespace is ``/sagemaker-hpo/default/``.
DEFAULT_PLATFORM_NAME = "default"
#: The name ``include_gpu_image=True`` publishes the packaged GPU training image under.
GPU_IMAGE_NAME = "gpu"

#: Parameter keys under the namespace.
ROLE_ARN_KEY = "training-role-arn"
DATA_BUCKET_KEY = "data-bucket-name"
ARTIFACTS_BUCKET_KEY = "artifacts-bucket-name"
KEY_ARN_KEY = "key-arn"
PROVIDER_SERVICE_TOKEN_KEY = "provider-service-token"
PROVIDER_NAME_PREFIX_KEY = NAME_PREFIX_KEY
GUARDRAILS_KEY = "guardrails"

_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.\-]{1,64}$")
_NAMESPACE_PATTERN = re.compile(r"^/(?:[a-zA-Z0-9_.\-]+/){1,12}$")
_NAMESPACE_MAX_LENGTH = 900


def default_namespace(name: str = DEFAULT_PLATFORM_NAME) -> str:
    """The namespace of the platform called ``name``: ``/sagemaker-hpo/<name>/``."""
    return f"/sagemaker-hpo/{name}/"


def resolve_namespace(path: str, name: str, namespace: str | None) -> str:
    """The namespace for a platform ``name`` (``namespace`` wins), validated; errors name ``path`` and the field.

    A namespace is an SSM parameter path known at synth time: ``/`` then 1 to 12 segments of letters, digits,
    ``_``, ``.`` and ``-``, each ending in ``/`` (a missing final ``/`` is added), at most 900 characters, not
    starting with ``/aws`` or ``/ssm`` (reserved by SSM).
    """
    if namespace is None:
        if Token.is_unresolved(name) or not _NAME_PATTERN.match(name):
            raise ValidationError(path, "name", name, "must be 1 to 64 letters, digits, '_', '.' or '-'")
        namespace = default_namespace(name)
    if Token.is_unresolved(namespace):
        raise ValidationError(path, "namespace", namespace, "must be known at synth time (not a token)")
    if not namespace.endswith("/"):
        namespace = f"{namespace}/"
    if not _NAMESPACE_PATTERN.match(namespace):
        raise ValidationError(
            path,
            "namespace",
            namespace,
            "must look like /team/platform/: 1 to 12 segments of letters, digits, '_', '.' or '-', each followed by /",
        )
    if namespace.lower().startswith(("/aws", "/ssm")):
        raise ValidationError(path, "namespace", namespace, "must not start with /aws or /ssm (reserved by SSM)")
    if len(namespace) > _NAMESPACE_MAX_LENGTH:
        raise ValidationError(path, "namespace", namespace, f"must be at most {_NAMESPACE_MAX_LENGTH} characters")
    return namespace


def _prefixes_reaching(roots: Sequence[str]) -> list[str]:
    """The ``s3:prefix`` patterns under which a listing can return a key under one of ``roots``: every non-empty
    prefix of each root (``t``, ``te``, ... ``teams/``) and each root followed by anything (``teams/*``)."""
    found: list[str] = []
    for root in roots:
        for end in range(1, len(root)):
            if root[:end] not in found:
                found.append(root[:end])
        found.append(f"{root}*")
    return found


def _check_image_name(path: str, name: str) -> None:
    if Token.is_unresolved(name) or not _NAME_PATTERN.match(name):
        raise ValidationError(path, "images name", name, "must be 1 to 64 letters, digits, '_', '.' or '-'")


class HpoPlatform(Construct, BucketHelpers):
    """The bootstrap bundle of a training account, published to SSM for other stacks and apps.

    Creates: a KMS key (rotation on, retained) unless one is given; ``TrainingBuckets`` (data, artifacts and
    server-access-log buckets with the library's secure defaults); a ``TrainingRole`` granted read on the data
    bucket and write on the artifacts bucket's ``output/`` and ``checkpoints/`` prefixes (and pull on the
    platform's images); the stack's ``TuningJobProvider``, allowed to pass that role; and one SSM String parameter
    per value consumers need, under :attr:`namespace`:

    ``training-role-arn``, ``data-bucket-name``, ``artifacts-bucket-name``, ``key-arn``,
    ``provider-service-token``, ``provider-name-prefix`` and ``images/<name>/uri`` per image.

    Import it anywhere with :meth:`from_parameters`. Nothing here is deleted by ``cdk destroy`` that holds data:
    buckets and key are retained.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str = DEFAULT_PLATFORM_NAME,
        namespace: str | None = None,
        encryption_key: kms.IKey | None = None,
        images: Mapping[str, TrainingImage | TrainingImageSource] | None = None,
        include_gpu_image: bool = False,
        vpc_access: bool = False,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        guardrails: Guardrails | None = None,
        checkpoint_expiration: Duration = DEFAULT_CHECKPOINT_EXPIRATION,
        noncurrent_version_expiration: Duration = DEFAULT_NONCURRENT_VERSION_EXPIRATION,
        access_log_expiration: Duration | None = None,
        log_retention: logs.RetentionDays | None = None,
        role_name: str | None = None,
    ) -> None:
        """Define a ``HpoPlatform``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param name: the platform's name; the namespace is ``/sagemaker-hpo/<name>/``. Default: ``"default"``.
        :param namespace: the SSM parameter path to publish under, e.g. ``/ml-platform/hpo/`` (overrides ``name``).
            Default: ``/sagemaker-hpo/<name>/``.
        :param encryption_key: the key of the data and artifacts buckets. Default: a key created here.
        :param images: training images to publish by name (``TrainingImage`` or anything with a ``training_image``,
            such as ``GpuTrainingImage``); the role is granted pull on their repositories. Default: none.
        :param include_gpu_image: add the packaged ``GpuTrainingImage`` under the name ``"gpu"`` (built by
            ``cdk deploy``, which then needs Docker). Default: False.
        :param vpc_access: grant the roles the EC2 network-interface permissions for training in any VPC (prefer
            ``vpc``, which limits them to one VPC). Default: False.
        :param vpc: the VPC training jobs run in: the platform's and teams' roles get the network-interface permissions
            for this VPC only (``ec2:Vpc``), and ``require_vpc`` guardrails require its subnets. Default: none.
        :param vpc_subnets: which subnets of ``vpc`` training jobs use. Default: the VPC's private subnets.
        :param guardrails: the limits of every team's jobs (a team may set its own instead). Default: none.
        :param checkpoint_expiration: delete checkpoints this long after they were written. Default: 30 days.
        :param noncurrent_version_expiration: delete non-current object versions after this long. Default: 90 days.
        :param access_log_expiration: delete server access logs after this long. Default: kept.
        :param log_retention: retention of the provider's log group (when the platform creates the stack's provider).
            Default: three months.
        :param role_name: a fixed name for the training role. Default: generated by CloudFormation.
        """
        super().__init__(scope, construct_id)
        self._helper_path = self.node.path
        #: The SSM parameter path the platform publishes under, ending in ``/``.
        self.namespace = resolve_namespace(self.node.path, name, namespace)
        requested = dict(images or {})
        #: The VPC training jobs run in, if any, and the subnet ids they use.
        self.vpc = vpc
        self.subnet_ids: list[str] = [] if vpc is None else subnet_ids_of(vpc, vpc_subnets)
        #: Whether the roles may attach network interfaces in any VPC (``vpc_access`` without ``vpc``).
        self.vpc_access = vpc_access and vpc is None
        #: The default limits of every team's jobs.
        self.guardrails = guardrails
        if guardrails is not None:
            guardrails._validate(self.node.path)
        #: The platform's teams by name.
        self.teams: dict[str, Team] = {}
        for image_name in requested:
            _check_image_name(self.node.path, image_name)

        #: The data, artifacts and server-access-log buckets.
        self.buckets = TrainingBuckets(
            self,
            "Buckets",
            encryption_key=encryption_key,
            checkpoint_expiration=checkpoint_expiration,
            noncurrent_version_expiration=noncurrent_version_expiration,
            access_log_expiration=access_log_expiration,
        )
        #: The KMS key of the data and artifacts buckets.
        self.key: kms.IKey = self.buckets.key
        #: The training data bucket.
        self.data_bucket: s3.IBucket = self.buckets.data_bucket
        #: The model output and checkpoint bucket.
        self.artifacts_bucket: s3.IBucket = self.buckets.artifacts_bucket
        #: The server-access-log bucket.
        self.access_logs_bucket: s3.IBucket = self.buckets.access_logs_bucket
        #: The role SageMaker assumes for training jobs.
        self.training_role = TrainingRole(
            self,
            "TrainingRole",
            data_locations=[self.buckets.data_location()],
            artifact_locations=[self.buckets.output_location(), self.buckets.checkpoint_location()],
            vpc_access=self.vpc_access,
            vpc=vpc,
            subnet_ids=self.subnet_ids,
            role_name=role_name,
            description="sagemaker-hpo platform: assumed by SageMaker training jobs of the platform's tuning jobs",
        )
        mark_shared(self.training_role)

        if include_gpu_image:
            if GPU_IMAGE_NAME in requested:
                raise ValidationError(
                    self.node.path, "images", GPU_IMAGE_NAME, "is taken by include_gpu_image; pick another name"
                )
            from .gpu_image import GpuTrainingImage

            requested[GPU_IMAGE_NAME] = GpuTrainingImage(self, "GpuTrainingImage")
        #: The platform's training images by name.
        self.images: dict[str, TrainingImage] = {}
        #: The platform's image URIs by name (deploy-time tokens).
        self.image_uris: dict[str, str] = {}
        for image_name, source in sorted(requested.items()):
            image = as_training_image(source)
            self.images[image_name] = image
            self.image_uris[image_name] = image.bind(self, self.training_role).image_uri

        stack = Stack.of(self)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, TuningJobProvider):
            existing.allow_pass_role(self.training_role)
            provider = existing
        else:
            provider = TuningJobProvider(
                stack,
                PROVIDER_ID,
                log_retention=log_retention,
                training_roles=[self.training_role],
                encryption_key=self.key,
            )
        #: The stack's tuning-job provider; jobs using it may pass :attr:`training_role`.
        self.provider: TuningJobProvider = provider
        if guardrails is not None:
            for statement in guardrails.deny_statements(
                [tuning_job_arn(f"{provider.name_prefix}-*")], subnet_ids=self.subnet_ids, key_arn=self.key.key_arn
            ):
                provider.handler_role.add_to_policy(statement)

        values = {
            ROLE_ARN_KEY: (self.training_role.role_arn, "the ARN of the role SageMaker assumes for training jobs"),
            DATA_BUCKET_KEY: (self.data_bucket.bucket_name, "the name of the training data bucket"),
            ARTIFACTS_BUCKET_KEY: (self.artifacts_bucket.bucket_name, "the name of the model artifacts bucket"),
            KEY_ARN_KEY: (self.key.key_arn, "the ARN of the KMS key of the data and artifacts buckets"),
            PROVIDER_SERVICE_TOKEN_KEY: (provider.service_token, "the service token of the tuning-job provider"),
            PROVIDER_NAME_PREFIX_KEY: (provider.name_prefix, "the prefix of tuning job names the provider manages"),
        }
        for image_name, uri in self.image_uris.items():
            values[IMAGE_URI_KEY.format(name=image_name)] = (uri, f"the URI of the training image {image_name!r}")
        if guardrails is not None:
            values[GUARDRAILS_KEY] = (json.dumps(guardrails.to_json()), "the guardrails of the platform's jobs (JSON)")
        values[GUARDRAILS_DIGEST_KEY] = (guardrails_digest(guardrails), "the digest of the platform's guardrails")
        #: The published SSM parameters by key (e.g. ``training-role-arn``).
        self.parameters: dict[str, ssm.StringParameter] = publish_parameters(
            self, self.namespace, values, f"sagemaker-hpo platform {self.namespace}"
        )
        if guardrails is not None:
            guard_provider(
                self, provider.service_token, guardrails, subnet_ids=self.subnet_ids, key_arn=self.key.key_arn
            )

    def parameter_name(self, key: str) -> str:
        """The full SSM parameter name of ``key`` (e.g. ``training-role-arn``)."""
        return f"{self.namespace}{key}"

    def add_team(
        self,
        name: str,
        *,
        repositories: Sequence[ecr.IRepository] = (),
        images: Mapping[str, TrainingImage | TrainingImageSource] | None = None,
        guardrails: Guardrails | None = None,
        log_retention: logs.RetentionDays | None = None,
        role_name: str | None = None,
    ) -> Team:
        """Add a team: its own training role, prefixes, job-name prefix, owner tag, provider and SSM namespace.

        :param name: the team's name, e.g. ``"vision"`` (1 to 32 lower-case letters, digits and ``-``).
        :param repositories: ECR repositories the team's role may pull from. Default: none.
        :param images: training images to publish for the team by name (ECR images; their repositories are
            granted). Default: none.
        :param guardrails: the team's limits. Default: the platform's ``guardrails``.
        :param log_retention: retention of the team provider's log group. Default: three months.
        :param role_name: a fixed name for the team's training role. Default: generated by CloudFormation.
        """
        check_team_name(self.node.path, name)
        if name in self.teams:
            raise ValidationError(self.node.path, "team", name, "is already a team of this platform")
        team = Team(
            self,
            name,
            repositories=repositories,
            images=images,
            guardrails=guardrails,
            log_retention=log_retention,
            role_name=role_name,
        )
        if any(other.name_prefix == team.name_prefix for other in self.teams.values()):
            raise ValidationError(self.node.path, "team", name, "gives the same job-name prefix as another team")
        if not self.teams:
            self._keep_shared_role_out_of_teams()
            self._close_shared_provider()
        self._shared_logs_deny.add_resources(training_log_streams_arn(f"{team.name_prefix}-"))
        self.teams[name] = team
        return team

    def _close_shared_provider(self) -> None:
        """On a platform with teams, the shared provider creates no jobs: it has neither a team's guardrails nor a
        team's tag rules, so whoever may invoke it would escape them. It may still describe and stop its earlier
        jobs (a Delete of a stack created before the first team)."""
        self.provider.handler_role.add_to_policy(
            iam.PolicyStatement(
                sid="NoSharedJobsOnTeamPlatforms",
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateHyperParameterTuningJob"],
                resources=[tuning_job_arn("*")],
            )
        )

    def _keep_shared_role_out_of_teams(self) -> None:
        """The platform's shared role reads the data bucket and writes ``output/`` and ``checkpoints/``: deny it the
        teams' prefixes, so that a stack using the shared role cannot read or overwrite any team's data or models."""
        data, artifacts = self.data_bucket.bucket_arn, self.artifacts_bucket.bucket_arn
        team_objects = [f"{data}/{TEAMS_PREFIX}*", f"{artifacts}/{OUTPUT_PREFIX}{TEAMS_PREFIX}*",
                        f"{artifacts}/{CHECKPOINT_PREFIX}{TEAMS_PREFIX}*"]  # fmt: skip
        self.training_role.add_to_policy(
            iam.PolicyStatement(
                sid="NoTeamObjects",
                effect=iam.Effect.DENY,
                actions=["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                resources=team_objects,
            )
        )
        # Listing: S3 returns every key that starts with the requested prefix, so a Deny of ``teams/*`` alone leaves
        # ``t``, ``team`` or no prefix at all. Every prefix that can reach a team's key is named (each prefix of the
        # teams' root, and the root with anything after it), and a listing without a prefix is denied.
        for sid, bucket, roots in (
            ("NoTeamListingData", data, [TEAMS_PREFIX]),
            (
                "NoTeamListingArtifacts",
                artifacts,
                [f"{OUTPUT_PREFIX}{TEAMS_PREFIX}", f"{CHECKPOINT_PREFIX}{TEAMS_PREFIX}"],
            ),
        ):
            self.training_role.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    effect=iam.Effect.DENY,
                    actions=["s3:ListBucket"],
                    resources=[bucket],
                    conditions={"StringLike": {"s3:prefix": _prefixes_reaching(roots)}},
                )
            )
        self.training_role.add_to_policy(
            iam.PolicyStatement(
                sid="NoListingWithoutPrefix",
                effect=iam.Effect.DENY,
                actions=["s3:ListBucket"],
                resources=[data, artifacts],
                conditions={"Null": {"s3:prefix": "true"}},
            )
        )
        #: Denies the shared role the teams' training log streams (one resource per team).
        self._shared_logs_deny = iam.PolicyStatement(
            sid="NoTeamLogStreams",
            effect=iam.Effect.DENY,
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        )
        self.training_role.add_to_policy(self._shared_logs_deny)

    @staticmethod
    def from_parameters(
        scope: Construct,
        construct_id: str,
        *,
        name: str = DEFAULT_PLATFORM_NAME,
        namespace: str | None = None,
        team: str | None = None,
        guardrails: Guardrails | None = None,
        vpc: ec2.IVpc | None = None,
    ) -> ImportedHpoPlatform:
        """Import a platform, or one of its teams, from its SSM parameters (resolved when the stack deploys).

        :param name: the platform's ``name``. Default: ``"default"``.
        :param namespace: the platform's namespace (overrides ``name``). Default: ``/sagemaker-hpo/<name>/``.
        :param team: import this team of the platform: its role, provider, prefixes and images. Default: the
            platform itself (its shared role and provider).
        :param guardrails: the platform's guardrails for these jobs, checked at synth time by an Aspect on this
            stack (IAM enforces them at run time either way). Default: in a stack with a concrete account and
            region, the published ``guardrails`` parameter, read by a context lookup (cached in cdk.context.json);
            otherwise not checked at synth time.
        :param vpc: the platform's VPC (``HpoPlatform(vpc=...)``), for jobs that run in it. Default: none.
        """
        return ImportedHpoPlatform(
            scope, construct_id, name=name, namespace=namespace, team=team, guardrails=guardrails, vpc=vpc
        )


class ImportedHpoPlatform(Construct, BucketHelpers):
    """An ``HpoPlatform`` (or one of its teams) deployed elsewhere, read from its SSM parameters at deploy time.

    Use :attr:`training_role` as the training definition's role, :attr:`provider` as the tuning job's provider (a
    job of this stack without ``provider=`` is a synth error) and the bucket helpers (``data_input``,
    ``output_location``, ``checkpoint_location``; a team's stay inside the team's prefixes) for its S3 values. The
    role is imported immutable: the platform already granted it what its jobs need, and an input, output, image, key
    or VPC it was not granted is a synth error naming what is missing and how to get it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str = DEFAULT_PLATFORM_NAME,
        namespace: str | None = None,
        team: str | None = None,
        guardrails: Guardrails | None = None,
        vpc: ec2.IVpc | None = None,
    ) -> None:
        """Define a ``ImportedHpoPlatform``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param name: the platform's ``name``. Default: ``"default"``.
        :param namespace: the platform's namespace (overrides ``name``). Default: ``/sagemaker-hpo/<name>/``.
        :param team: the team to import. Default: the platform itself.
        :param guardrails: the guardrails to check this stack's jobs against at synth time. Default: none.
        :param vpc: the platform's VPC. Default: none.
        """
        super().__init__(scope, construct_id)
        self._helper_path = self.node.path
        #: The SSM parameter path the platform published under.
        self.namespace = resolve_namespace(self.node.path, name, namespace)
        #: The team imported, if any.
        self.team = team
        #: The platform's VPC, when declared.
        self.vpc = vpc
        if team is not None:
            check_team_name(self.node.path, team)
            self._data_root = team_root(team)
            self._artifacts_root = team_root(team)
        #: Where the team's (or the platform's) own parameters are.
        self.own_namespace = self.namespace if team is None else team_namespace(self.namespace, team)
        stack = Stack.of(self)
        register_platform_import(stack, self.node.path)
        #: The KMS key of the data and artifacts buckets.
        self.key: kms.IKey = kms.Key.from_key_arn(self, "Key", self._value(KEY_ARN_KEY))
        #: The platform's (or team's) training role (immutable).
        self.training_role: iam.IRole = iam.Role.from_role_arn(
            self, "TrainingRole", self._own_value(ROLE_ARN_KEY), mutable=False
        )
        #: The platform's (or team's) tuning-job provider.
        self.provider = ImportedTuningJobProvider(
            service_token=self._own_value(PROVIDER_SERVICE_TOKEN_KEY),
            name_prefix=self._own_value(PROVIDER_NAME_PREFIX_KEY),
            team=team,
            name_prefix_parameter=f"{self.own_namespace}{PROVIDER_NAME_PREFIX_KEY}",
            # A team's prefix follows from the platform's namespace and the team's name (``Team.name_prefix``).
            known_name_prefix=None if team is None else team_job_prefix(self.namespace, team),
        )
        owner = f"the platform {self.namespace}" if team is None else f"team {team!r} of the platform {self.namespace}"
        fix = (
            "Use the platform's values (platform.data_input, output_location, checkpoint_location, "
            "training_image, key) or grant it on the platform ("
            + (
                "the platform's role"
                if team is None
                else f"HpoPlatform.add_team({team!r}, repositories=..., images=...)"
            )
            + ") and redeploy it"
        )
        register_imported_role(
            self.training_role,
            RoleGrants(
                owner=owner,
                fix=fix,
                # Read the buckets' names (SSM parameters) only when a job binds a location to check against them.
                reads=lambda: [(self.data_bucket.bucket_name, self._data_root)],
                writes=lambda: [
                    (self.artifacts_bucket.bucket_name, f"{OUTPUT_PREFIX}{self._artifacts_root}"),
                    (self.artifacts_bucket.bucket_name, f"{CHECKPOINT_PREFIX}{self._artifacts_root}"),
                ],
                key_arns=[self.key.key_arn],
                volume_key_arns=lambda: [] if self.volume_key is None else [self.volume_key.key_arn],
                vpcs=[] if vpc is None else [vpc],
                team=team,
            ),
        )
        if guardrails is None:
            guardrails = self._looked_up_guardrails(stack)
        #: The guardrails this stack's jobs are checked against at synth time, if any.
        self.guardrails = guardrails
        if guardrails is not None:
            guardrails._validate(self.node.path)
            guard_provider(
                self,
                self.provider.service_token,
                guardrails,
                subnet_ids=[] if vpc is None else list(vpc.select_subnets().subnet_ids),
                key_arn=self.key.key_arn,
                volume_key_arn=(
                    self.volume_key.key_arn if guardrails.require_kms and self.volume_key is not None else None
                ),
            )
        register_drift_check(
            self,
            self.provider.service_token,
            parameter_name=f"{self.own_namespace}{GUARDRAILS_DIGEST_KEY}",
            checked=guardrails,
            owner=owner,
        )

    def _looked_up_guardrails(self, stack: Stack) -> Guardrails | None:
        """The published guardrails, by context lookup, in a stack with a concrete account and region."""
        if Token.is_unresolved(stack.account) or Token.is_unresolved(stack.region):
            return None
        name = f"{self.own_namespace}{GUARDRAILS_KEY}"
        value = ssm.StringParameter.value_from_lookup(self, name, "{}")
        if value.startswith("dummy-value-for-"):
            return None  # the CDK CLI looks the value up and synthesizes again
        try:
            data = json.loads(value)
        except ValueError:
            raise ValidationError(self.node.path, "guardrails", value, f"the parameter {name} is not JSON") from None
        return Guardrails.from_json(data) if data else None

    @property
    def volume_key(self) -> kms.IKey | None:
        """A team's own KMS key for its training volumes (``None`` for the platform itself, whose role has none);
        imported on first use only."""
        if self.team is None:
            return None
        existing = self.node.try_find_child("VolumeKey")
        if existing is not None:
            return existing  # type: ignore[return-value]
        return kms.Key.from_key_arn(self, "VolumeKey", self._own_value(TEAM_VOLUME_KEY_ARN_KEY))

    @property
    def data_bucket(self) -> s3.IBucket:  # type: ignore[override]
        """The training data bucket (with :attr:`key` attached); imported on first use only."""
        return self._imported_bucket("DataBucket", DATA_BUCKET_KEY)

    @property
    def artifacts_bucket(self) -> s3.IBucket:  # type: ignore[override]
        """The model output and checkpoint bucket (with :attr:`key` attached); imported on first use only."""
        return self._imported_bucket("ArtifactsBucket", ARTIFACTS_BUCKET_KEY)

    def _imported_bucket(self, construct_id: str, key: str) -> s3.IBucket:
        existing = self.node.try_find_child(construct_id)
        if existing is not None:
            return existing  # type: ignore[return-value]
        return s3.Bucket.from_bucket_attributes(
            self, construct_id, bucket_name=self._value(key), encryption_key=self.key
        )

    def parameter_name(self, key: str) -> str:
        """The full SSM parameter name of ``key`` (e.g. ``training-role-arn``)."""
        return f"{self.namespace}{key}"

    def _value(self, key: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(self, self.parameter_name(key))

    def _own_value(self, key: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(self, f"{self.own_namespace}{key}")

    def image_uri(self, name: str) -> str:
        """The URI of the platform's (or team's) image ``name`` (a deploy-time value)."""
        _check_image_name(self.node.path, name)
        return self._own_value(IMAGE_URI_KEY.format(name=name))

    def training_image(
        self, name: str, *, metric_definitions: Sequence[MetricDefinition] | None = None
    ) -> TrainingImage:
        """The platform's (or team's) image ``name`` as a ``TrainingImage`` (the role may pull it).

        :param name: the image's name in the platform, e.g. ``"gpu"``.
        :param metric_definitions: the metric definitions its program prints for. Default: for ``"gpu"``, the
            packaged GPU image's definitions; otherwise none (pass them in the training definition).
        """
        samples: tuple[str, ...] = ()
        if metric_definitions is None:
            metric_definitions = ()
            if name == GPU_IMAGE_NAME:
                from .gpu_image import load_metric_definitions, load_sample_log_lines

                metric_definitions = load_metric_definitions()
                samples = load_sample_log_lines()
        return TrainingImage._platform_image(self.image_uri(name), metric_definitions, sample_log_lines=samples)
