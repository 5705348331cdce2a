"""The packaged GPU training image, published once for a whole organisation and replicated to every region."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from constructs import Construct

from .._acknowledgements import acknowledge
from .policies import IMAGE_PULL_ACTIONS, organization_read_statement

#: The AWS managed policy that lets a function write its logs.
BASIC_EXECUTION_POLICY = "service-role/AWSLambdaBasicExecutionRole"
#: The name of the central repository of the packaged GPU training image (its replicas keep the name).
DEFAULT_REPOSITORY_NAME = "sagemaker-hpo/gpu-training"


def repository_prefix(repository_name: str) -> str:
    """The repository-name prefix that replication and the creation templates match (the first path segment)."""
    return repository_name.split("/", 1)[0]


class OrganizationTrainingImage(Construct):
    """The packaged ``GpuTrainingImage``, built by ``cdk deploy`` in the publishing account, copied into a named
    repository that the organisation may pull from, and replicated by ECR to every other target region (a member
    stack pulls its own region's copy: SageMaker pulls images from its own region only).

    The copy from the CDK assets repository is made by ``cdk-ecr-deployment``'s ``ECRDeployment``; the replication
    is the registry's ``AWS::ECR::ReplicationConfiguration``, which is one per account and region: it replaces any
    replication configuration the publishing account's registry already has in this region.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        replica_regions: Sequence[str],
        repository_name: str = DEFAULT_REPOSITORY_NAME,
    ) -> None:
        """Define an ``OrganizationTrainingImage``.

        :param scope: the construct to define it in (in the publishing account's home region).
        :param construct_id: its id.
        :param organization_id: the organisation whose principals may pull.
        :param replica_regions: the other regions to replicate to (not the home region).
        :param repository_name: the central repository's name. Default: ``sagemaker-hpo/gpu-training``.
        """
        super().__init__(scope, construct_id)
        from cdk_ecr_deployment import DockerImageName, ECRDeployment

        from ..gpu_image import GpuTrainingImage

        #: The packaged image, as a Docker image asset of the publishing account.
        self.source = GpuTrainingImage(self, "Source")
        #: The tag the image is published under: the asset's content hash (a new image gets a new tag).
        self.tag: str = self.source.asset.asset_hash
        #: The central repository (retained).
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=repository_name,
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.repository.add_to_resource_policy(organization_read_statement(organization_id, IMAGE_PULL_ACTIONS))
        acknowledge(
            self.repository,
            "AwsSolutions-ECR1",
            "the policy's Principal '*' is limited by aws:PrincipalOrgID to the organisation's principals, which may "
            "only pull (member accounts' training roles)",
        )
        #: The role of the copy function: pull from the CDK assets repository, push to the central one, logs.
        #: ``ECRDeployment`` would otherwise grant its function every ECR action on every repository.
        self.copy_role = iam.Role(
            self,
            "CopyRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(BASIC_EXECUTION_POLICY)],
            description="sagemaker-hpo: copies the GPU training image from the CDK assets repository to the "
            "organisation's central repository",
        )
        self.source.asset.repository.grant_pull(self.copy_role)
        self.repository.grant_pull_push(self.copy_role)
        acknowledge(
            self.copy_role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{BASIC_EXECUTION_POLICY}]",
            "the copy function writes its own logs (CloudWatch Logs only); its log group name is known only to Lambda",
        )
        acknowledge(
            self.copy_role,
            "AwsSolutions-IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; pulls and pushes are on the two named "
            "repositories only",
        )
        #: The copy of the asset into the central repository (its function's own grants are dropped: the role is
        #: passed without policy updates).
        self.deployment = ECRDeployment(
            self,
            "Copy",
            src=DockerImageName(self.source.asset.image_uri),
            dest=DockerImageName(self.repository.repository_uri_for_tag(self.tag)),
            role=self.copy_role.without_policy_updates(),
        )
        self.replication: ecr.CfnReplicationConfiguration | None = None
        if replica_regions:
            self.replication = ecr.CfnReplicationConfiguration(
                self,
                "Replication",
                replication_configuration=ecr.CfnReplicationConfiguration.ReplicationConfigurationProperty(
                    rules=[
                        ecr.CfnReplicationConfiguration.ReplicationRuleProperty(
                            destinations=[
                                ecr.CfnReplicationConfiguration.ReplicationDestinationProperty(
                                    region=region, registry_id=Aws.ACCOUNT_ID
                                )
                                for region in replica_regions
                            ],
                            repository_filters=[
                                ecr.CfnReplicationConfiguration.RepositoryFilterProperty(
                                    filter=repository_prefix(repository_name), filter_type="PREFIX_MATCH"
                                )
                            ],
                        )
                    ]
                ),
            )
            # Replicate only what is pushed after the rule exists: create the rule before the copy.
            self.deployment.node.add_dependency(self.replication)
