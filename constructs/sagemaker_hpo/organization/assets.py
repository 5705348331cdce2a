"""The central assets of one region: the bucket member stacks load the handler code from, and the template that
gives replicated training-image repositories the organisation's pull policy."""

from __future__ import annotations

from aws_cdk import Aws, Fn, RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .._acknowledgements import acknowledge
from .helpers import acknowledge_helper_findings
from .policies import OBJECT_READ_ACTIONS, OrganizationId, organization_read_statement, repository_policy_text

#: The default first part of the central asset buckets' names: ``<prefix>-<account>-<region>``.
DEFAULT_ASSET_BUCKET_PREFIX = "sagemaker-hpo-assets"


def asset_bucket_prefix(prefix: str, account: str) -> str:
    """The part of a central asset bucket's name before the region: ``<prefix>-<publishing account>``."""
    return Fn.join("-", [prefix, account])


def asset_bucket_name(prefix: str, account: str, region: str) -> str:
    """A central asset bucket's name in ``region``: ``<prefix>-<publishing account>-<region>`` (the name the
    member templates compute from their own region)."""
    return Fn.join("-", [prefix, account, region])


class OrganizationAssetsStack(Stack):
    """The central assets of one region, in the publishing (management or delegated administrator) account.

    - a bucket ``<prefix>-<account>-<region>`` that every principal of the organisation may read objects from
      (``aws:PrincipalOrgID``) and nobody else: TLS only, SSE-S3, versioned, retained; the roll-out copies the
      member template's file assets (the handler code) into it;
    - when the region receives a replicated training image, an ECR repository creation template for replication,
      so that the replicated repository gets the organisation's pull policy.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        repository_prefix: str | None,
        organization_id: str | None = None,
        **kwargs: object,
    ) -> None:
        """Define an ``OrganizationAssetsStack``.

        :param scope: the construct to define it in.
        :param construct_id: its id.
        :param prefix: the first part of the bucket name (the account and region follow).
        :param repository_prefix: the repository name prefix replicated into this region. Default: no image.
        :param organization_id: the organisation's id. Default: looked up at deploy time.
        :param kwargs: ``Stack`` props (``env`` with this region, ``description``...).
        """
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        acknowledge_helper_findings(self)
        org = OrganizationId(self, "Organization", organization_id=organization_id).value
        #: The bucket member stacks of this region read the handler code from.
        self.bucket = s3.Bucket(
            self,
            "Assets",
            bucket_name=asset_bucket_name(prefix, Aws.ACCOUNT_ID, Aws.REGION),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket.add_to_resource_policy(
            organization_read_statement(org, OBJECT_READ_ACTIONS, [self.bucket.arn_for_objects("*")])
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "holds only the member template's Lambda code, copied by CloudFormation; reads are org-scoped and "
            "CloudTrail records them; a second log bucket per region would add cost without new information",
        )
        #: The repository creation template of replicated images, if this region receives the image.
        self.repository_template: ecr.CfnRepositoryCreationTemplate | None = None
        if repository_prefix is not None:
            self.repository_template = ecr.CfnRepositoryCreationTemplate(
                self,
                "ReplicatedRepositories",
                prefix=repository_prefix,
                applied_for=["REPLICATION"],
                description="sagemaker-hpo: replicated training images the organisation's training roles may pull",
                image_tag_mutability="IMMUTABLE",
                encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                    encryption_type="AES256"
                ),
                repository_policy=repository_policy_text(self, org),
            )
