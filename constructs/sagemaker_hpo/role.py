"""The least-privilege IAM role SageMaker assumes to run training jobs, and the statements its grants consist of.

The grants (``grant_read_data`` and friends) add to a ``MergedStatements``: a role's grants of the same actions share
one statement (per bucket for S3). They are shared with ``grants.RoleBinding``, which grants the same permissions to
any mutable role a training definition uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import Annotations, Aws
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IValidation

from ._acknowledgements import acknowledge, acknowledge_wildcard_resource
from ._merged_statements import MergedStatements
from .locations import S3Location

#: The CloudWatch namespace SageMaker publishes training metrics to.
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"
#: The log group SageMaker writes training logs to.
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"

ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
#: The EC2 network-interface actions SageMaker performs as the role to attach training containers to a VPC; they
#: support resource ARNs and the ``ec2:Vpc`` condition key.
VPC_INTERFACE_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
]
#: The EC2 read actions SageMaker needs for a VPC; they have no resource-level permissions.
VPC_DESCRIBE_ACTIONS = [
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]
#: The warning id when VPC access is granted without a VPC to scope it to.
UNSCOPED_VPC_ACCESS_WARNING = "sagemaker-hpo:UnscopedVpcAccess"


def _ec2_arn(resource: str) -> str:
    return f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def training_log_group_arn() -> str:
    """The ARN of SageMaker's training log group in this stack's account and region."""
    return f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:{TRAINING_LOG_GROUP}"


def training_log_streams_arn(job_name_prefix: str) -> str:
    """The ARN pattern of the training log streams of jobs whose names start with ``job_name_prefix``."""
    return f"{training_log_group_arn()}:log-stream:{job_name_prefix}*"


#: What reading a prefix allows on its objects.
READ_OBJECT_ACTIONS = ["s3:GetObject"]
#: What writing a prefix allows on its objects (checkpoints are read back).
WRITE_OBJECT_ACTIONS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
#: KMS actions through S3 to read, and to write, objects encrypted with a key.
DECRYPT_VIA_S3_ACTIONS = ["kms:Decrypt"]
ENCRYPT_VIA_S3_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
#: KMS actions to encrypt the training instances' storage volumes with a key.
VOLUME_KEY_ACTIONS = ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey"]


def grant_objects(
    merged: MergedStatements, location: S3Location, actions: Sequence[str], key_actions: Sequence[str]
) -> None:
    """``actions`` on the objects under ``location``'s prefix, ``s3:ListBucket`` limited to the prefix (``s3:prefix``)
    and ``key_actions`` on its KMS key through S3 only (``kms:ViaService``): merged with the role's other grants of the
    same actions on the same bucket (one statement per bucket and action set)."""
    bucket_arn = location.bucket_arn
    merged.allow(actions, location.objects_arn(), group=bucket_arn)
    merged.allow_list(bucket_arn, location.key_prefix)
    if location.kms_key is not None:
        via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.{Aws.URL_SUFFIX}"}}
        merged.allow(key_actions, location.kms_key.key_arn, group="kms:ViaService=s3", conditions=via_s3)


def grant_read_data(merged: MergedStatements, location: S3Location) -> None:
    """Read (list and get) the objects under ``location``'s prefix, and decrypt them through S3."""
    grant_objects(merged, location, READ_OBJECT_ACTIONS, DECRYPT_VIA_S3_ACTIONS)


def grant_write_artifacts(merged: MergedStatements, location: S3Location) -> None:
    """Write (and read back) objects under ``location``'s prefix, encrypting through S3."""
    grant_objects(merged, location, WRITE_OBJECT_ACTIONS, ENCRYPT_VIA_S3_ACTIONS)


def grant_pull(merged: MergedStatements, repository_arn: str) -> bool:
    """Pull images from the repository ``repository_arn`` (and ``ecr:GetAuthorizationToken``, account-wide by API
    design); ``True`` when the authorization token was granted now."""
    merged.allow(ECR_PULL_ACTIONS, repository_arn)
    return merged.allow(["ecr:GetAuthorizationToken"], "*", group="EcrAuthorizationToken", sid="EcrAuthorizationToken")


def grant_volume_key(merged: MergedStatements, key: kms.IKey) -> None:
    """Use of ``key`` for the training instances' storage volumes."""
    merged.allow(VOLUME_KEY_ACTIONS, key.key_arn)


def vpc_statements(vpc: ec2.IVpc | None, subnet_ids: Sequence[str] = ()) -> list[iam.PolicyStatement]:
    """The EC2 permissions SageMaker needs to place training containers in ``vpc`` (in ``subnet_ids``).

    With a VPC, the network-interface actions are limited to network interfaces, security groups and the given
    subnets (all subnets of the VPC when none are given) of that VPC (``ec2:Vpc``). Without one they are on ``*``.
    """
    describe = iam.PolicyStatement(sid="TrainingInVpcDescribe", actions=VPC_DESCRIBE_ACTIONS, resources=["*"])
    if vpc is None:
        return [iam.PolicyStatement(sid="TrainingInVpc", actions=VPC_INTERFACE_ACTIONS, resources=["*"]), describe]
    subnets = [_ec2_arn(f"subnet/{subnet}") for subnet in subnet_ids] or [_ec2_arn("subnet/*")]
    interfaces = iam.PolicyStatement(
        actions=VPC_INTERFACE_ACTIONS,
        resources=[_ec2_arn("network-interface/*"), _ec2_arn("security-group/*"), *subnets],
        conditions={"ArnEquals": {"ec2:Vpc": vpc.vpc_arn}},
    )
    return [interfaces, describe]


class TrainingRole(iam.Role):
    """The role SageMaker assumes for training jobs, granted exactly what the jobs use and nothing else.

    Always: writing SageMaker's training log group and ``cloudwatch:PutMetricData`` in SageMaker's namespace.
    Then only what is granted: read on data prefixes, write on artifact and checkpoint prefixes, pull on ECR
    repositories (plus the account-wide ``ecr:GetAuthorizationToken``), KMS use through S3 only
    (``kms:ViaService``), and EC2 network-interface permissions when a VPC is used (limited to that VPC with
    ``ec2:Vpc``). The trust policy admits ``sagemaker.amazonaws.com`` from this account only.

    A ``TrainingDefinition`` without a role creates one of these for exactly its job.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data_locations: Sequence[S3Location] = (),
        artifact_locations: Sequence[S3Location] = (),
        repositories: Sequence[ecr.IRepository] = (),
        vpc_access: bool = False,
        vpc: ec2.IVpc | None = None,
        subnet_ids: Sequence[str] = (),
        role_name: str | None = None,
        description: str | None = None,
        log_stream_prefix: str | None = None,
    ) -> None:
        """Define a ``TrainingRole``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param data_locations: prefixes the training jobs read. Default: none.
        :param artifact_locations: prefixes the training jobs write (model output, checkpoints). Default: none.
        :param repositories: ECR repositories holding training images. Default: none.
        :param vpc_access: grant the EC2 network-interface permissions SageMaker needs to run in a VPC (on every VPC:
            prefer ``vpc``). Default: False.
        :param vpc: the VPC training jobs run in: grants the EC2 network-interface permissions for that VPC only.
            Default: none.
        :param subnet_ids: with ``vpc``, the subnets network interfaces may be created in. Default: any of the VPC's.
        :param role_name: a fixed role name. Default: generated by CloudFormation.
        :param description: the role's description. Default: a description saying what it is for.
        :param log_stream_prefix: write only the training log streams whose names start with this (a training job's
            streams start with its name, and a tuning job's training jobs with the tuning job's name: a team's
            job-name prefix plus ``-`` keeps each team to its own streams). Default: every stream of the group.
        """
        super().__init__(
            scope,
            construct_id,
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            role_name=role_name,
            description=description or "Assumed by SageMaker training jobs started by sagemaker-hpo tuning jobs",
        )
        self._granted: set[str] = set()
        #: The grants of data, artifacts, images and keys, merged into one statement per action set (and bucket).
        self._merged = MergedStatements(self.add_to_policy)
        self._vpc_access = False
        self._unscoped_vpc_access = False
        self._vpcs: list[ec2.IVpc] = []
        log_group_arn = training_log_group_arn()
        if log_stream_prefix is None:
            # ``<group>:*`` is the ARN form CloudWatch Logs authorizes log-group actions against, and covers its
            # streams.
            log_streams_arn = f"{log_group_arn}:*"
            self.add_to_policy(
                iam.PolicyStatement(
                    sid="TrainingLogs",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                    ],
                    resources=[log_group_arn, log_streams_arn],
                )
            )
            stream_reason = f"covers the streams of SageMaker's training log group {TRAINING_LOG_GROUP} only"
        else:
            log_streams_arn = training_log_streams_arn(log_stream_prefix)
            self.add_to_policy(
                iam.PolicyStatement(
                    sid="TrainingLogGroup",
                    actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                    resources=[log_group_arn, f"{log_group_arn}:*"],
                )
            )
            self.add_to_policy(
                iam.PolicyStatement(
                    sid="TrainingLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_streams_arn],
                )
            )
            acknowledge_wildcard_resource(
                self,
                f"{log_group_arn}:*",
                "logs:CreateLogGroup and logs:DescribeLogStreams act on SageMaker's training log group, whose ARN "
                "CloudWatch Logs authorizes in the form <group>:*; writing is limited to the role's own streams",
            )
            stream_reason = (
                f"covers only the streams of training jobs named {log_stream_prefix}* in SageMaker's training log "
                f"group {TRAINING_LOG_GROUP}"
            )
        acknowledge_wildcard_resource(
            self,
            log_streams_arn,
            "SageMaker names each training job's log streams at run time (<job name>/algo-<n>-<time>); the wildcard "
            + stream_reason,
        )
        self.node.add_validation(_StarAcknowledgement(self))
        self.add_to_policy(
            iam.PolicyStatement(
                sid="TrainingMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": TRAINING_METRICS_NAMESPACE}},
            )
        )
        for location in data_locations:
            self.grant_read_data(location)
        for location in artifact_locations:
            self.grant_write_artifacts(location)
        for repository in repositories:
            self.grant_pull_image(repository)
        if vpc is not None:
            self.allow_vpc_access(vpc, subnet_ids)
        elif vpc_access:
            self.allow_vpc_access()

    def _once(self, key: str) -> bool:
        """True the first time ``key`` is seen: the same grant twice adds nothing."""
        if key in self._granted:
            return False
        self._granted.add(key)
        return True

    def grant_read_data(self, location: S3Location) -> None:
        """Read (list and get) the objects under ``location``'s prefix, and decrypt them through S3."""
        if not self._once(f"read:{location.uri}"):
            return
        grant_read_data(self._merged, location)
        acknowledge_wildcard_resource(
            self,
            location.objects_arn(),
            f"Training jobs read every object under the data prefix {location.key_prefix or '(whole bucket)'!r}; "
            "object keys are data, not known at deploy time",
        )

    def grant_write_artifacts(self, location: S3Location) -> None:
        """Write (and read back, for checkpoints) objects under ``location``'s prefix, encrypting through S3."""
        if not self._once(f"write:{location.uri}"):
            return
        grant_write_artifacts(self._merged, location)
        acknowledge_wildcard_resource(
            self,
            location.objects_arn(),
            "Training jobs write model artifacts and checkpoints (and read checkpoints back) under the prefix "
            f"{location.key_prefix or '(whole bucket)'!r}; SageMaker names those objects at run time",
        )

    def grant_pull_image(self, repository: ecr.IRepository) -> None:
        """Pull images from ``repository``."""
        if not self._once(f"ecr:{repository.node.path}"):
            return
        self.grant_pull_repository_arn(repository.repository_arn)

    def grant_pull_repository_arn(self, repository_arn: str) -> None:
        """Pull images from the repository ``repository_arn``."""
        if not self._once(f"ecr-arn:{repository_arn}"):
            return
        grant_pull(self._merged, repository_arn)
        self._granted.add("ecr:auth")

    def grant_kms_volume(self, key: kms.IKey) -> None:
        """Use ``key`` for the training instances' storage volumes."""
        if not self._once(f"volume:{key.node.path}"):
            return
        grant_volume_key(self._merged, key)

    def allow_vpc_access(self, vpc: ec2.IVpc | None = None, subnet_ids: Sequence[str] = ()) -> None:
        """The EC2 network-interface permissions SageMaker needs to place training containers in ``vpc``.

        :param vpc: the VPC; its ARN limits the network-interface actions (``ec2:Vpc``). Default: none, which grants
            them on every VPC of the account (warning ``sagemaker-hpo:UnscopedVpcAccess``).
        :param subnet_ids: the subnets interfaces may be created in. Default: any subnet of ``vpc``.
        """
        key = "vpc:*" if vpc is None else f"vpc:{vpc.node.path}:{','.join(subnet_ids)}"
        if not self._once(key):
            return
        self._vpc_access = True
        statements = vpc_statements(vpc, subnet_ids)
        if vpc is None:
            self._unscoped_vpc_access = True
            Annotations.of(self).add_warning_v2(
                UNSCOPED_VPC_ACCESS_WARNING,
                "EC2 network-interface permissions granted on every VPC of the account: give the VPC "
                "(HpoPlatform(vpc=...), TrainingRole(vpc=...)) to limit them to it with an ec2:Vpc condition",
            )
        else:
            self._vpcs.append(vpc)
            for resource in statements[0].resources:
                acknowledge_wildcard_resource(
                    self,
                    resource,
                    "SageMaker creates and deletes the training containers' network interfaces at run time (their ids "
                    "and the security groups used are not known at deploy time); an ec2:Vpc condition limits every "
                    "network-interface action to the VPC the training jobs run in",
                )
        if self._once("vpc:describe"):
            self.add_to_policy(statements[1])
        self.add_to_policy(statements[0])

    @property
    def has_vpc_access(self) -> bool:
        """Whether the EC2 network-interface permissions were granted."""
        return self._vpc_access

    @property
    def vpc_access_vpcs(self) -> tuple[ec2.IVpc, ...]:
        """The VPCs the network-interface permissions are limited to (empty when on every VPC or none)."""
        return tuple(self._vpcs)

    @property
    def has_unscoped_vpc_access(self) -> bool:
        """Whether network-interface permissions were granted on every VPC."""
        return self._unscoped_vpc_access


@jsii.implements(IValidation)
class _StarAcknowledgement:
    """Acknowledges ``IAM5[Resource::*]`` with a reason listing exactly the actions the role has on ``*``."""

    def __init__(self, role: TrainingRole) -> None:
        self._role = role
        self._done = False

    def validate(self) -> list[str]:
        if self._done:
            return []
        self._done = True
        role = self._role
        parts = [
            "cloudwatch:PutMetricData (no resource-level permissions; limited by a cloudwatch:namespace condition to "
            f"SageMaker's {TRAINING_METRICS_NAMESPACE} namespace)"
        ]
        if "ecr:auth" in role._granted:
            parts.append(
                "ecr:GetAuthorizationToken (account-wide by API design; image pulls are limited to named repositories)"
            )
        if role.has_vpc_access:
            parts.append(f"the EC2 read actions {', '.join(VPC_DESCRIBE_ACTIONS)} (no resource-level permissions)")
        if role.has_unscoped_vpc_access:
            parts.append(
                "and, because no VPC was given to scope them (warning sagemaker-hpo:UnscopedVpcAccess), the EC2 "
                f"network-interface actions {', '.join(VPC_INTERFACE_ACTIONS)}"
            )
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", "Resource '*' is used only for " + "; ".join(parts))
        return []
