"""``HpoPlatform``: what a training account needs once, published to SSM (``ImportedHpoPlatform`` imports it).

A platform team deploys one ``HpoPlatform`` (a KMS key, the training buckets, the training role, optional training
images and the tuning-job provider). It publishes what consumers need as SSM String parameters under a namespace
(default ``/sagemaker-hpo/<name>/``). Any other stack, in the same app or another one, imports it in one call with
``HpoPlatform.from_parameters``: the values are resolved by CloudFormation at deploy time
(``AWS::SSM::Parameter::Value<String>`` parameters), so there are no cross-stack exports that would pin the
platform's resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from . import parameter_schema as schema
from ._namespace import (
    DEFAULT_PLATFORM_NAME,
    GPU_IMAGE_NAME,
    check_image_name,
    default_namespace,
    resolve_namespace,
)
from ._parameters import publish_parameters
from ._tree import find_child, stack_of
from .buckets import CHECKPOINT_PREFIX, DEFAULT_CHECKPOINT_EXPIRATION, OUTPUT_PREFIX, BucketHelpers, TrainingBuckets
from .grants import mark_shared
from .guardrail_attachment import attach_guardrails
from .guardrails import Guardrails
from .image import TrainingImage, TrainingImageSource, bind_images
from .imported_platform import ImportedHpoPlatform
from .provider import PROVIDER_ID, TuningJobProvider, tuning_job_arn
from .provider_settings import DEFAULT_PROVIDER_SETTINGS, ProviderSettings, consolidate_settings
from .role import TrainingRole, training_log_streams_arn
from .rules import run_rules
from .rules.platform import GpuImageChoice, TeamChoice
from .rules.provider import SharedProvider
from .secure_defaults import DEFAULT_NONCURRENT_VERSION_EXPIRATION
from .team import TEAMS_PREFIX, Team
from .training import subnet_ids_of

__all__ = [
    "DEFAULT_PLATFORM_NAME",
    "GPU_IMAGE_NAME",
    "HpoPlatform",
    "ImportedHpoPlatform",
    "default_namespace",
    "resolve_namespace",
]


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
        provider_settings: ProviderSettings | None = None,
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
        :param log_retention: retention of the providers' log groups (overrides ``provider_settings.log_retention``).
            Default: ``provider_settings.log_retention``, else three months.
        :param role_name: a fixed name for the training role. Default: generated by CloudFormation.
        :param provider_settings: the timeouts, memory, architecture and log retention of the stack's provider (when
            the platform creates it) and of each team's provider; a setting left ``None`` keeps its default
            (``DEFAULT_PROVIDER_SETTINGS``: 5-minute timeouts, 256 MiB, ARM64, three months). A provider the stack
            already has must have the same settings (HPO-PROVIDER-006). Default: the defaults.
        """
        super().__init__(scope, construct_id)
        self._helper_path = self.node.path
        #: The SSM parameter path the platform publishes under, ending in ``/``.
        self.namespace = resolve_namespace(self.node.path, name, namespace)
        requested = dict(images or {})
        for image_name in requested:
            check_image_name(self.node.path, image_name)
        #: The VPC training jobs run in, if any, and the subnet ids they use.
        self.vpc = vpc
        self.subnet_ids: list[str] = [] if vpc is None else subnet_ids_of(vpc, vpc_subnets)
        #: Whether the roles may attach network interfaces in any VPC (``vpc_access`` without ``vpc``).
        self.vpc_access = vpc_access and vpc is None
        #: The default limits of every team's jobs.
        self.guardrails = guardrails
        if guardrails is not None:
            guardrails._validate(self.node.path)
        #: The settings of the platform's providers (the stack's, when the platform creates it, and each team's
        #: unless the team sets its own): ``provider_settings`` over :data:`DEFAULT_PROVIDER_SETTINGS`.
        self.provider_settings = consolidate_settings(DEFAULT_PROVIDER_SETTINGS, provider_settings)
        run_rules(self.provider_settings, path=self.node.path, scope=self)  # HPO-PROVIDER-001..005
        #: The platform's teams by name.
        self.teams: dict[str, Team] = {}

        self._define_storage(
            encryption_key,
            checkpoint_expiration=checkpoint_expiration,
            noncurrent_version_expiration=noncurrent_version_expiration,
            access_log_expiration=access_log_expiration,
        )
        self._define_training_role(role_name)
        self._define_images(requested, include_gpu_image=include_gpu_image)
        self._define_provider(provider_settings, log_retention)
        guardrail_values = attach_guardrails(
            self, guardrails, provider=self.provider, subnet_ids=self.subnet_ids, key_arn=self.key.key_arn
        )
        self._publish(guardrail_values)

    def _define_storage(
        self,
        encryption_key: kms.IKey | None,
        *,
        checkpoint_expiration: Duration,
        noncurrent_version_expiration: Duration,
        access_log_expiration: Duration | None,
    ) -> None:
        """The buckets and their key."""
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

    def _define_training_role(self, role_name: str | None) -> None:
        """The shared training role: read the data bucket, write ``output/`` and ``checkpoints/``."""
        #: The role SageMaker assumes for training jobs.
        self.training_role = TrainingRole(
            self,
            "TrainingRole",
            data_locations=[self.buckets.data_location()],
            artifact_locations=[self.buckets.output_location(), self.buckets.checkpoint_location()],
            vpc_access=self.vpc_access,
            vpc=self.vpc,
            subnet_ids=self.subnet_ids,
            role_name=role_name,
            description="sagemaker-hpo platform: assumed by SageMaker training jobs of the platform's tuning jobs",
        )
        mark_shared(self.training_role)

    def _define_images(
        self, requested: dict[str, TrainingImage | TrainingImageSource], *, include_gpu_image: bool
    ) -> None:
        """The platform's images (and the packaged GPU image when asked for), bound to the training role."""
        choice = GpuImageChoice(include_gpu_image, frozenset(requested), GPU_IMAGE_NAME)
        run_rules(choice, path=self.node.path, scope=self)  # HPO-PLATFORM-010
        if include_gpu_image:
            from .gpu_image import GpuTrainingImage

            requested[GPU_IMAGE_NAME] = GpuTrainingImage(self, "GpuTrainingImage")
        images, uris = bind_images(self, requested, self.training_role)
        #: The platform's training images by name.
        self.images: dict[str, TrainingImage] = images
        #: The platform's image URIs by name (deploy-time tokens).
        self.image_uris: dict[str, str] = uris

    def _define_provider(self, requested: ProviderSettings | None, log_retention: logs.RetentionDays | None) -> None:
        """The stack's provider: found (and allowed to pass the role) or created with :attr:`provider_settings`."""
        stack = stack_of(self)
        existing = find_child(stack, PROVIDER_ID)
        if isinstance(existing, TuningJobProvider):
            shared = SharedProvider(existing.settings, requested, existing.node.path)
            run_rules(shared, path=self.node.path, scope=self)  # HPO-PROVIDER-006
            existing.allow_pass_role(self.training_role)
            provider = existing
        else:
            provider = TuningJobProvider(
                stack,
                PROVIDER_ID,
                settings=self.provider_settings,
                log_retention=log_retention,
                training_roles=[self.training_role],
                encryption_key=self.key,
            )
        #: The stack's tuning-job provider; jobs using it may pass :attr:`training_role`.
        self.provider: TuningJobProvider = provider

    def _publish(self, guardrail_values: list[tuple[schema.Parameter, str]]) -> None:
        """The SSM parameters consumers import the platform from (``HpoPlatform.from_parameters``)."""
        values = [
            (schema.ROLE_ARN, self.training_role.role_arn),
            (schema.DATA_BUCKET, self.data_bucket.bucket_name),
            (schema.ARTIFACTS_BUCKET, self.artifacts_bucket.bucket_name),
            (schema.KEY_ARN, self.key.key_arn),
            (schema.PROVIDER_SERVICE_TOKEN, self.provider.service_token),
            (schema.NAME_PREFIX, self.provider.name_prefix),
        ]
        published = schema.parameter_values(schema.Publisher.PLATFORM, values)
        published.update(schema.image_values(schema.Publisher.PLATFORM, self.image_uris))
        published.update(schema.parameter_values(schema.Publisher.PLATFORM, guardrail_values))
        #: The published SSM parameters by key (e.g. ``training-role-arn``).
        self.parameters: dict[str, ssm.StringParameter] = publish_parameters(
            self, self.namespace, published, f"sagemaker-hpo platform {self.namespace}"
        )

    def parameter_name(self, key: str) -> str:
        """The full SSM parameter name of ``key`` (e.g. ``training-role-arn``; see ``parameter_schema``)."""
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
        provider_settings: ProviderSettings | None = None,
    ) -> Team:
        """Add a team: its own training role, prefixes, job-name prefix, owner tag, provider and SSM namespace.

        :param name: the team's name, e.g. ``"vision"`` (1 to 32 lower-case letters, digits and ``-``).
        :param repositories: ECR repositories the team's role may pull from. Default: none.
        :param images: training images to publish for the team by name (ECR images; their repositories are
            granted). Default: none.
        :param guardrails: the team's limits. Default: the platform's ``guardrails``.
        :param log_retention: retention of the team provider's log group. Default: three months.
        :param role_name: a fixed name for the team's training role. Default: generated by CloudFormation.
        :param provider_settings: the team provider's settings, over the platform's ``provider_settings``. Default:
            the platform's.
        """
        run_rules(TeamChoice(name, frozenset(self.teams)), path=self.node.path, scope=self)  # HPO-PLATFORM-007/008
        team = Team(
            self,
            name,
            platform=self,
            provider_settings=provider_settings,
            repositories=repositories,
            images=images,
            guardrails=guardrails,
            log_retention=log_retention,
            role_name=role_name,
        )
        others = frozenset(other.name_prefix for other in self.teams.values())
        run_rules(
            TeamChoice(name, name_prefix=team.name_prefix, other_prefixes=others), path=self.node.path, scope=self
        )
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
