"""The library's secure defaults for S3 buckets, in one place: every bucket the library creates is a ``SecureBucket``.

Defaults (none of them can be turned off through ``SecureBucket``'s props):

- all public access blocked, object ownership enforced (ACLs disabled);
- a bucket policy that denies any request not made over TLS (``aws:SecureTransport`` false) or made with TLS
  older than 1.2;
- SSE-KMS with a customer managed key and S3 Bucket Keys, except for the server-access-log bucket, which uses
  SSE-S3 (S3 server access logs cannot be delivered to a bucket whose default encryption is SSE-KMS);
- versioning on;
- ``RemovalPolicy.RETAIN`` and no auto-delete of objects: ``cdk destroy`` leaves the bucket and its data in place;
- server access logs to a log bucket (the log bucket itself is the log target and is not logged to itself);
- lifecycle rules: incomplete multipart uploads aborted and non-current versions expired.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .rules import run_rules
from .rules.buckets import LogDelivery, SecureBucketProps

#: Incomplete multipart uploads are aborted after this long by default.
DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER = Duration.days(7)
#: Non-current object versions are expired after this long by default.
DEFAULT_NONCURRENT_VERSION_EXPIRATION = Duration.days(90)
#: The oldest TLS version the bucket policies accept.
MINIMUM_TLS_VERSION = 1.2
#: The service principal S3 server access logs are delivered by.
LOG_DELIVERY_PRINCIPAL = "logging.s3.amazonaws.com"


def housekeeping_rule(
    *,
    abort_incomplete_multipart_upload_after: Duration = DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER,
    noncurrent_version_expiration: Duration | None = DEFAULT_NONCURRENT_VERSION_EXPIRATION,
) -> s3.LifecycleRule:
    """The lifecycle rule every library bucket has: abort incomplete multipart uploads, expire old versions.

    :param abort_incomplete_multipart_upload_after: abort uploads left incomplete this long. Default: 7 days.
    :param noncurrent_version_expiration: delete non-current versions this long after they became non-current;
        ``None`` keeps them. Default: 90 days.
    """
    return s3.LifecycleRule(
        id="Housekeeping",
        abort_incomplete_multipart_upload_after=abort_incomplete_multipart_upload_after,
        noncurrent_version_expiration=noncurrent_version_expiration,
    )


class SecureBucket(s3.Bucket):
    """An S3 bucket with the library's secure defaults (see the module docstring), which its props cannot weaken.

    A bucket holding data is encrypted with a customer managed KMS key (``encryption_key``) and sends its server
    access logs to ``server_access_logs_bucket``. The one exception is the log bucket itself
    (``access_log_target=True``): SSE-S3 encryption, no access logs of its own, and a bucket policy that lets the S3
    logging service write logs from this account's buckets only (``aws:SourceAccount``), whatever the app's
    ``@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`` feature flag says.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        server_access_logs_bucket: s3.IBucket | None = None,
        server_access_logs_prefix: str | None = None,
        access_log_target: bool = False,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        abort_incomplete_multipart_upload_after: Duration = DEFAULT_ABORT_INCOMPLETE_MULTIPART_UPLOAD_AFTER,
        noncurrent_version_expiration: Duration | None = DEFAULT_NONCURRENT_VERSION_EXPIRATION,
        bucket_name: str | None = None,
    ) -> None:
        """Define a ``SecureBucket``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param encryption_key: the KMS key for SSE-KMS with S3 Bucket Keys. Required unless ``access_log_target``.
            Default: none (an error unless ``access_log_target``).
        :param server_access_logs_bucket: the bucket server access logs go to. Required unless ``access_log_target``.
            Default: none (an error unless ``access_log_target``).
            A ``SecureBucket`` created with ``access_log_target=True`` is given the bucket policy statement that admits
            the logs; any other bucket's policy must already admit ``logging.s3.amazonaws.com``.
        :param server_access_logs_prefix: the key prefix of this bucket's logs in the log bucket. Default: none.
        :param access_log_target: this is the server-access-log bucket. Default: False.
        :param lifecycle_rules: lifecycle rules added after the housekeeping rule. Default: none.
        :param abort_incomplete_multipart_upload_after: see :func:`housekeeping_rule`. Default: 7 days.
        :param noncurrent_version_expiration: see :func:`housekeeping_rule`. Default: 90 days.
        :param bucket_name: a fixed bucket name. Default: generated by CloudFormation.
        """
        path = f"{scope.node.path}/{construct_id}"
        props = SecureBucketProps(access_log_target, encryption_key is not None, server_access_logs_bucket is not None)
        run_rules(props, path=path)  # HPO-BUCKET-003..006
        super().__init__(
            scope,
            construct_id,
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=MINIMUM_TLS_VERSION,
            encryption=s3.BucketEncryption.S3_MANAGED if access_log_target else s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=None if access_log_target else True,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            auto_delete_objects=False,
            lifecycle_rules=[
                housekeeping_rule(
                    abort_incomplete_multipart_upload_after=abort_incomplete_multipart_upload_after,
                    noncurrent_version_expiration=noncurrent_version_expiration,
                ),
                *lifecycle_rules,
            ],
        )
        #: True for the server-access-log bucket.
        self.access_log_target = access_log_target
        if server_access_logs_bucket is not None:
            # Set on the L1 resource (not through the L2 prop) so that the log bucket's permissions never depend on
            # the app's feature flags (without @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy, the L2 prop would
            # switch the log bucket to the LogDeliveryWrite ACL, which object ownership enforcement forbids).
            cfn = self.node.default_child
            assert isinstance(cfn, s3.CfnBucket)  # a programming error: an s3.Bucket's default child
            cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
                destination_bucket_name=server_access_logs_bucket.bucket_name,
                log_file_prefix=server_access_logs_prefix,
            )
            if isinstance(server_access_logs_bucket, SecureBucket):
                server_access_logs_bucket.allow_log_delivery_from(self, server_access_logs_prefix)

    def allow_log_delivery_from(self, source: s3.IBucket, prefix: str | None = None) -> None:
        """Let the S3 logging service write ``source``'s server access logs under ``prefix`` of this bucket."""
        run_rules(LogDelivery(self.access_log_target), path=self.node.path, scope=self)  # HPO-BUCKET-007
        self.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(LOG_DELIVERY_PRINCIPAL)],
                actions=["s3:PutObject"],
                resources=[self.arn_for_objects(f"{prefix or ''}*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": source.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
