"""``Team``: one tenant of an ``HpoPlatform``, with its own role, prefixes, job names, owner tag and provider.

``HpoPlatform.add_team("vision", ...)`` creates one. What isolates a team, all in IAM (not only in handler logic):

- its ``TrainingRole`` reads only ``teams/<team>/`` of the data bucket, writes only ``output/teams/<team>/`` and
  ``checkpoints/teams/<team>/`` of the artifacts bucket, and pulls only from the repositories the team was given
  (never from the account's CDK assets repository);
- its own ``TuningJobProvider`` (its own handler role, so IAM can tell the teams apart: one Lambda role shared by
  every team could not be bound to the team of the stack that calls it) may manage only jobs named
  ``<team prefix>-*``, must tag every job it creates with ``sagemaker-hpo:team=<team>`` (``aws:RequestTag``), may
  stop only jobs tagged so (``aws:ResourceTag``), cannot re-tag a job to another team, and may pass only the team's
  role (``Deny iam:PassRole`` on every other role);
- the platform's guardrails (or the team's own) become ``Deny`` statements on that handler role and a synth-time
  Aspect (see ``guardrails``);
- its role writes only the training log streams of its own jobs (``<team prefix>-*``), uses its own KMS key
  (:attr:`Team.volume_key`) for storage volumes (no other team's role may), and may use the platform's bucket key
  only through S3 and only for the platform's buckets or its own objects (``kms:EncryptionContext:aws:s3:arn``;
  with S3 Bucket Keys the context is the bucket, so inside one bucket the S3 grants keep teams apart);
- its deploy boundary (:attr:`Team.cfn_execution_policy`, :attr:`Team.deployer_policy`, see ``deploy``) keeps its
  stacks to its own provider and parameters, when the team deploys with its own bootstrap qualifier.

Everything a team's apps need is published under ``<platform namespace>teams/<team>/`` and imported with
``HpoPlatform.from_parameters(scope, id, name=..., team="vision")``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from . import parameter_schema as schema
from ._acknowledgements import acknowledge_wildcard_resource
from ._parameters import publish_parameters
from .buckets import CHECKPOINT_PREFIX, OUTPUT_PREFIX, BucketHelpers
from .deploy import bootstrap_role_arns, cfn_execution_statements, deployer_statements, team_qualifier
from .deploy import parameter_arn as deploy_parameter_arn
from .grants import forbid_assets_repository
from .guardrail_attachment import attach_guardrails
from .guardrails import Guardrails
from .image import TrainingImage, TrainingImageSource, bind_images
from .ownership import TEAM_TAG_KEY
from .platform_interface import IHpoPlatform
from .provider import TuningJobProvider, tuning_job_arn
from .provider_settings import DEFAULT_PROVIDER_SETTINGS, ProviderSettings, consolidate_settings
from .role import TrainingRole
from .rules import run_rules
from .rules.platform import TeamChoice

#: Where teams' prefixes start in the data bucket and under ``output/`` and ``checkpoints/``.
TEAMS_PREFIX = "teams/"


def check_team_name(path: str, name: str) -> None:
    """A team name: 1 to 32 lower-case letters, digits and hyphens, starting with a letter, not ending in a hyphen
    (HPO-PLATFORM-007)."""
    run_rules(TeamChoice(name), path=path)


def team_root(name: str) -> str:
    """The team's prefix in the data bucket and under ``output/`` and ``checkpoints/``: ``teams/<name>/``."""
    return f"{TEAMS_PREFIX}{name}/"


def team_namespace(platform_namespace: str, name: str) -> str:
    """The SSM namespace of the team ``name`` of the platform published under ``platform_namespace``."""
    return f"{platform_namespace}teams/{name}/"


def team_job_prefix(platform_namespace: str, name: str) -> str:
    """The team's job-name prefix: letters and digits of the name (at most 11) and 4 hash characters.

    Without hyphens, ``<a>-*`` never matches ``<b>-<hash>`` for two different prefixes, so IAM resource patterns
    keep the teams apart.
    """
    cleaned = re.sub(r"[^a-z0-9]+", "", name)
    digest = hashlib.sha256(f"{platform_namespace}|{name}".encode()).hexdigest()
    return f"{cleaned[:11]}{digest[:4]}"


class Team(Construct, BucketHelpers):
    """One team of an ``HpoPlatform``: create it with ``HpoPlatform.add_team`` (see the module docs)."""

    def __init__(
        self,
        scope: Construct,
        name: str,
        *,
        platform: IHpoPlatform,
        repositories: Sequence[ecr.IRepository] = (),
        images: Mapping[str, TrainingImage | TrainingImageSource] | None = None,
        guardrails: Guardrails | None = None,
        log_retention: logs.RetentionDays | None = None,
        role_name: str | None = None,
        provider_settings: ProviderSettings | None = None,
    ) -> None:
        """Define a ``Team``.

        :param scope: the construct to define it in (``HpoPlatform.add_team`` passes the platform).
        :param name: the team's name (its owner tag value and namespace segment).
        :param platform: the platform the team belongs to (anything with the ``IHpoPlatform`` attributes).
        :param repositories: ECR repositories the team's role may pull from. Default: none.
        :param images: training images to publish for the team by name; each must live in a repository the team may
            pull from (an ECR image adds its repository; a Docker image asset is an error: it would live in the CDK
            assets repository). Default: none.
        :param guardrails: the team's limits. Default: the platform's ``guardrails``.
        :param log_retention: retention of the team provider's log group. Default: three months.
        :param role_name: a fixed name for the team's training role. Default: generated by CloudFormation.
        :param provider_settings: the team provider's settings, over the platform's ``provider_settings``. Default:
            the platform's.
        """
        check_team_name(scope.node.path, name)
        super().__init__(scope, f"Team-{name}")
        self._helper_path = self.node.path
        self._data_root = team_root(name)
        self._artifacts_root = team_root(name)
        #: The team's name: the value of its jobs' ``sagemaker-hpo:team`` tag.
        self.name = name
        #: The SSM namespace the team is published under.
        self.namespace = team_namespace(platform.namespace, name)
        #: The prefix of the team's job names.
        self.name_prefix = team_job_prefix(platform.namespace, name)
        #: The team's limits.
        self.guardrails = guardrails if guardrails is not None else platform.guardrails
        if self.guardrails is not None:
            self.guardrails._validate(self.node.path)

        self._define_storage(platform)
        self._define_training_role(platform, repositories, role_name)
        bound_images, image_uris = bind_images(self, images or {}, self.training_role)
        #: The team's images by name.
        self.images: dict[str, TrainingImage] = bound_images
        #: The team's image URIs by name (deploy-time tokens).
        self.image_uris: dict[str, str] = image_uris
        settings = consolidate_settings(DEFAULT_PROVIDER_SETTINGS, platform.provider_settings, provider_settings)
        self._define_provider(settings, log_retention)
        self._isolate()
        guardrail_values = attach_guardrails(
            self,
            self.guardrails,
            provider=self.provider,
            subnet_ids=platform.subnet_ids,
            key_arn=self.key.key_arn,
            volume_key_arn=self.volume_key.key_arn,
        )
        self._define_deploy_policies(platform.namespace)
        self._publish(platform.namespace, guardrail_values)

    def _define_storage(self, platform: IHpoPlatform) -> None:
        """The platform's shared buckets and key, and the team's own volume key."""
        #: The data bucket (shared; the team reads only ``teams/<name>/``).
        self.data_bucket: s3.IBucket = platform.data_bucket
        #: The artifacts bucket (shared; the team writes only ``output/teams/<name>/`` and ``checkpoints/...``).
        self.artifacts_bucket: s3.IBucket = platform.artifacts_bucket
        #: The KMS key of the buckets (the team's role may use it only through S3, for the platform's buckets).
        self.key = platform.key
        #: The team's own KMS key for its training jobs' storage volumes (no other team's role may use it).
        self.volume_key: kms.IKey = kms.Key(
            self,
            "VolumeKey",
            description=f"sagemaker-hpo platform {platform.namespace}: training volumes of the team {self.name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _define_training_role(
        self, platform: IHpoPlatform, repositories: Sequence[ecr.IRepository], role_name: str | None
    ) -> None:
        """The team's training role: its own prefixes, repositories, log streams and volume key; no CDK assets."""
        #: The role SageMaker assumes for the team's training jobs.
        self.training_role = TrainingRole(
            self,
            "TrainingRole",
            data_locations=[self.data_location()],
            artifact_locations=[self.output_location(), self.checkpoint_location()],
            repositories=repositories,
            vpc=platform.vpc,
            subnet_ids=list(platform.subnet_ids),
            vpc_access=platform.vpc_access,
            role_name=role_name,
            description=f"sagemaker-hpo platform {platform.namespace}: training jobs of the team {self.name}",
            log_stream_prefix=f"{self.name_prefix}-",
        )
        self.training_role.grant_kms_volume(self.volume_key)
        self._keep_bucket_key_to_own_objects()
        owner = f"team {self.name!r} of the platform {platform.namespace}"
        forbid_assets_repository(self.training_role, owner, self.name)

    def _define_provider(self, settings: ProviderSettings, log_retention: logs.RetentionDays | None) -> None:
        """The team's own provider: only the team's jobs, only the team's role."""
        #: The team's provider: it manages only the team's jobs and passes only the team's role.
        self.provider = TuningJobProvider(
            self,
            "Provider",
            settings=settings,
            name_prefix=self.name_prefix,
            team=self.name,
            training_roles=[self.training_role],
            log_retention=log_retention,
            handler_description=(
                f"sagemaker-hpo tuning-job handler of the team {self.name}: manages only jobs named "
                f"{self.name_prefix}-* tagged {TEAM_TAG_KEY}={self.name}, and passes only the team's training role"
            ),
        )
        #: The SSM parameter that publishes :attr:`name_prefix` (named in fixed-name errors, HPO-JOB-018).
        self.provider.name_prefix_parameter = schema.NAME_PREFIX.name_in(self.namespace)

    def _define_deploy_policies(self, platform_namespace: str) -> None:
        """The team's bootstrap qualifier and the managed policies of its deploy boundary (see ``deploy``)."""
        #: The team's CDK bootstrap qualifier (``cdk bootstrap --qualifier``, ``DefaultStackSynthesizer(qualifier=)``).
        self.qualifier = team_qualifier(platform_namespace, self.name)
        #: The managed policy for the team's CloudFormation execution role (``cdk bootstrap
        #: --cloudformation-execution-policies``): invoke only the team's provider, read only the team's (and the
        #: platform's bucket and key) parameters. Nothing of another team.
        self.cfn_execution_policy = iam.ManagedPolicy(
            self,
            "CfnExecutionPolicy",
            description=f"sagemaker-hpo team {self.name}: the CloudFormation execution role of its stacks",
            statements=cfn_execution_statements(
                service_token=self.provider.service_token,
                team_namespace=self.namespace,
                platform_parameters=[
                    parameter.name_in(platform_namespace)
                    for parameter in (schema.KEY_ARN, schema.DATA_BUCKET, schema.ARTIFACTS_BUCKET)
                ],
                qualifier=self.qualifier,
            ),
        )
        #: The managed policy for the team's people: assume only the team's ``cdk-<qualifier>-*`` roles and read the
        #: team's parameters. Attach it to their roles (or use it as their permissions boundary); which stacks they
        #: may deploy is for their IAM permissions, SCPs or a custom bootstrap template (see README).
        self.deployer_policy = iam.ManagedPolicy(
            self,
            "DeployerPolicy",
            description=f"sagemaker-hpo team {self.name}: the people who deploy its stacks",
            statements=deployer_statements(qualifier=self.qualifier, team_namespace=self.namespace),
        )
        self._acknowledge_deploy_policies()

    def _keep_bucket_key_to_own_objects(self) -> None:
        """The team's role may use the buckets' key only through S3 and only for the platform's two buckets (S3
        Bucket Keys put the bucket's ARN in the encryption context) or the team's own objects (the object's ARN,
        for objects written without a Bucket Key); never directly, so never for a grant (volumes use the team's own
        key). With Bucket Keys, KMS cannot tell two teams' objects of one bucket apart: the S3 grants do."""
        data, artifacts = self.data_bucket.bucket_arn, self.artifacts_bucket.bucket_arn
        root = self._data_root
        actions = ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*"]
        for sid, conditions in (
            ("BucketKeyOnlyThroughS3", {"StringNotEquals": {"kms:ViaService": f"s3.{Aws.REGION}.{Aws.URL_SUFFIX}"}}),
            (
                "BucketKeyOnlyForOwnObjects",
                {
                    "StringNotLike": {
                        "kms:EncryptionContext:aws:s3:arn": [
                            data,
                            artifacts,
                            f"{data}/{root}*",
                            f"{artifacts}/{OUTPUT_PREFIX}{root}*",
                            f"{artifacts}/{CHECKPOINT_PREFIX}{root}*",
                        ]
                    }
                },
            ),
        ):
            self.training_role.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    effect=iam.Effect.DENY,
                    actions=actions,
                    resources=[self.key.key_arn],
                    conditions=conditions,
                )
            )

    def _acknowledge_deploy_policies(self) -> None:
        acknowledge_wildcard_resource(
            self.cfn_execution_policy,
            deploy_parameter_arn(f"{self.namespace}*"),
            f"The team's stacks read the parameters the platform publishes for the team under {self.namespace} "
            "(their names are the team's keys); no other team's namespace",
        )
        acknowledge_wildcard_resource(
            self.deployer_policy,
            deploy_parameter_arn(f"{self.namespace}*"),
            f"The team's people read the parameters the platform publishes for the team under {self.namespace}",
        )
        for arn in bootstrap_role_arns(self.qualifier):
            acknowledge_wildcard_resource(
                self.deployer_policy,
                arn,
                f"CDK bootstrap names its roles cdk-{self.qualifier}-<role>-<account>-<region>: the wildcard stands for "
                "the account and region of the team's own bootstrap only",
            )

    def grant_use_provider(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (e.g. the team's CloudFormation execution role) invoke the team's provider.

        CloudFormation invokes a custom resource's service token with the deploying principal's permissions: give
        each team's deploy role this grant on its own team only (and no ``lambda:InvokeFunction`` on ``*``), and a
        team's stacks cannot even reach another team's provider.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["lambda:InvokeFunction"], resource_arns=[self.provider.service_token]
        )

    def _isolate(self) -> None:
        """The IAM conditions that keep the team's provider to the team's own jobs and role."""
        all_jobs = [tuning_job_arn("*")]
        role = self.provider.handler_role
        role.add_to_policy(
            iam.PolicyStatement(
                sid="TeamTagOnCreate",
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateHyperParameterTuningJob"],
                resources=all_jobs,
                conditions={"StringNotEquals": {f"aws:RequestTag/{TEAM_TAG_KEY}": self.name}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="TeamTagOnStop",
                effect=iam.Effect.DENY,
                actions=["sagemaker:StopHyperParameterTuningJob"],
                resources=all_jobs,
                conditions={"StringNotEquals": {f"aws:ResourceTag/{TEAM_TAG_KEY}": self.name}},
            )
        )
        # Tagging: never set the team tag to another team, never tag another team's job (a missing tag is fine:
        # tag-on-create has no resource tag yet, and other tags may be added to the team's own jobs).
        for sid, key in (("TeamTagNotReassigned", "aws:RequestTag"), ("TeamTagOtherTeamsJobs", "aws:ResourceTag")):
            role.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    effect=iam.Effect.DENY,
                    actions=["sagemaker:AddTags"],
                    resources=all_jobs,
                    conditions={
                        "StringNotEquals": {f"{key}/{TEAM_TAG_KEY}": self.name},
                        "Null": {f"{key}/{TEAM_TAG_KEY}": "false"},
                    },
                )
            )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="TeamRoleOnly",
                effect=iam.Effect.DENY,
                actions=["iam:PassRole"],
                not_resources=[self.training_role.role_arn],
            )
        )

    def _publish(self, platform_namespace: str, guardrail_values: list[tuple[schema.Parameter, str]]) -> None:
        """The SSM parameters a team's apps import it from (``HpoPlatform.from_parameters(..., team=...)``)."""
        values = [
            (schema.ROLE_ARN, self.training_role.role_arn),
            (schema.PROVIDER_SERVICE_TOKEN, self.provider.service_token),
            (schema.NAME_PREFIX, self.name_prefix),
            (schema.TEAM_DATA_PREFIX, self._data_root),
            (schema.TEAM_OUTPUT_PREFIX, f"{OUTPUT_PREFIX}{self._artifacts_root}"),
            (schema.TEAM_CHECKPOINT_PREFIX, f"{CHECKPOINT_PREFIX}{self._artifacts_root}"),
            (schema.TEAM_VOLUME_KEY_ARN, self.volume_key.key_arn),
            (schema.TEAM_QUALIFIER, self.qualifier),
            (schema.TEAM_CFN_EXECUTION_POLICY, self.cfn_execution_policy.managed_policy_arn),
            (schema.TEAM_DEPLOYER_POLICY, self.deployer_policy.managed_policy_arn),
            *guardrail_values,
        ]
        published = schema.parameter_values(schema.Publisher.TEAM, values)
        published.update(schema.image_values(schema.Publisher.TEAM, self.image_uris))
        #: The published SSM parameters by key.
        self.parameters: dict[str, ssm.StringParameter] = publish_parameters(
            self, self.namespace, published, f"sagemaker-hpo platform {platform_namespace}, team {self.name}"
        )
