"""``TrainingBuckets``: the data, artifacts and server-access-log buckets of a training account, and their key."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Token
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .locations import CompressionType, InputMode, S3DataDistribution, S3Input, S3Location
from .rules import run_rules
from .rules.buckets import CheckpointExpiration, KeyPrefix
from .secure_defaults import DEFAULT_NONCURRENT_VERSION_EXPIRATION, SecureBucket

#: The artifacts bucket's prefix for model output.
OUTPUT_PREFIX = "output/"
#: The artifacts bucket's prefix for checkpoints, which expire after ``checkpoint_expiration``.
CHECKPOINT_PREFIX = "checkpoints/"
#: Checkpoints are deleted this long after they were written, by default.
DEFAULT_CHECKPOINT_EXPIRATION = Duration.days(30)


def _relative_prefix(path: str, field: str, prefix: str) -> str:
    """``prefix`` without a leading slash; rejects ``..`` segments and empty segments (``a//b``)."""
    if Token.is_unresolved(prefix):
        return prefix
    run_rules(KeyPrefix(field, prefix), path=path)  # HPO-BUCKET-001
    return prefix.lstrip("/")


class BucketHelpers:
    """Typed S3 values for ``TrainingDefinition`` from a data bucket and an artifacts bucket.

    Shared by ``TrainingBuckets``, ``HpoPlatform`` and ``ImportedHpoPlatform``; subclasses set ``data_bucket`` and
    ``artifacts_bucket`` (whose ``encryption_key`` is used for the grants of a ``TrainingRole``).
    """

    data_bucket: s3.IBucket
    artifacts_bucket: s3.IBucket
    _helper_path: str
    #: Where the helpers' prefixes start in the data bucket, and under ``output/`` and ``checkpoints/`` of the
    #: artifacts bucket (a team's helpers stay inside the team's prefixes).
    _data_root: str = ""
    _artifacts_root: str = ""

    def data_location(self, prefix: str = "") -> S3Location:
        """A prefix of the data bucket, e.g. ``data_location("xgboost/train/")``.

        End a prefix with ``/`` to read (and be granted) exactly that folder: ``train`` also matches ``training/``.
        """
        cleaned = _relative_prefix(self._helper_path, "prefix", prefix)
        return S3Location.from_bucket(self.data_bucket, f"{self._data_root}{cleaned}")

    def data_input(
        self,
        prefix: str,
        *,
        content_type: str | None = None,
        input_mode: InputMode | None = None,
        distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED,
        compression: CompressionType | None = None,
    ) -> S3Input:
        """A training channel reading ``prefix`` of the data bucket.

        :param prefix: the key prefix, e.g. ``"xgboost/train/"``.
        :param content_type: the MIME type of the data, e.g. ``text/csv``. Default: the algorithm's default.
        :param input_mode: overrides the training definition's input mode for this channel. Default: inherit.
        :param distribution: how objects are spread over instances. Default: ``FULLY_REPLICATED``.
        :param compression: compression of the objects. Default: none.
        """
        return S3Input(self.data_location(prefix), content_type, input_mode, distribution, compression)

    def output_location(self, prefix: str = "") -> S3Location:
        """Where model artifacts go: ``output/<prefix>`` in the artifacts bucket. Default: ``output/``."""
        cleaned = _relative_prefix(self._helper_path, "prefix", prefix)
        return S3Location.from_bucket(self.artifacts_bucket, f"{OUTPUT_PREFIX}{self._artifacts_root}{cleaned}")

    def checkpoint_location(self, prefix: str = "") -> S3Location:
        """Where training jobs save checkpoints: ``checkpoints/<prefix>`` in the artifacts bucket.

        Objects under ``checkpoints/`` expire after the buckets' ``checkpoint_expiration``.
        """
        cleaned = _relative_prefix(self._helper_path, "prefix", prefix)
        return S3Location.from_bucket(self.artifacts_bucket, f"{CHECKPOINT_PREFIX}{self._artifacts_root}{cleaned}")


class TrainingBuckets(Construct, BucketHelpers):
    """The buckets of a training account: data, artifacts (model output and checkpoints) and server access logs.

    Every bucket is a ``SecureBucket``: public access blocked, TLS-only, versioned, retained on ``cdk destroy``,
    object ownership enforced, with server access logs. The data and artifacts buckets are encrypted with one
    customer managed KMS key (S3 Bucket Keys on); the log bucket with SSE-S3, the only encryption S3 server access
    logs can be delivered to. Lifecycle rules abort incomplete multipart uploads, expire non-current versions and
    expire checkpoints (``checkpoints/`` in the artifacts bucket).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        checkpoint_expiration: Duration = DEFAULT_CHECKPOINT_EXPIRATION,
        noncurrent_version_expiration: Duration = DEFAULT_NONCURRENT_VERSION_EXPIRATION,
        access_log_expiration: Duration | None = None,
    ) -> None:
        """Define a ``TrainingBuckets``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param encryption_key: the key for the data and artifacts buckets. Default: a key created here, with automatic
            rotation, retained on ``cdk destroy``.
        :param checkpoint_expiration: delete checkpoints this long after they were written. Default: 30 days.
        :param noncurrent_version_expiration: delete non-current object versions this long after they became
            non-current, in every bucket. Default: 90 days.
        :param access_log_expiration: delete server access logs this long after delivery. Default: kept.
        """
        super().__init__(scope, construct_id)
        self._helper_path = self.node.path
        expiration = CheckpointExpiration(checkpoint_expiration.to_seconds(), checkpoint_expiration.to_human_string())
        run_rules(expiration, path=self.node.path, scope=self)  # HPO-BUCKET-002
        if encryption_key is None:
            encryption_key = kms.Key(
                self,
                "Key",
                description="sagemaker-hpo: encrypts the training data and artifacts buckets",
                enable_key_rotation=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
        #: The KMS key of the data and artifacts buckets.
        self.key: kms.IKey = encryption_key
        #: The server-access-log bucket (SSE-S3).
        self.access_logs_bucket = SecureBucket(
            self,
            "AccessLogs",
            access_log_target=True,
            noncurrent_version_expiration=noncurrent_version_expiration,
            lifecycle_rules=[]
            if access_log_expiration is None
            else [s3.LifecycleRule(id="ExpireAccessLogs", expiration=access_log_expiration)],
        )
        #: Training data: the channels training jobs read.
        self.data_bucket: s3.IBucket = SecureBucket(
            self,
            "Data",
            encryption_key=self.key,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="data/",
            noncurrent_version_expiration=noncurrent_version_expiration,
        )
        #: Model output (``output/``) and checkpoints (``checkpoints/``).
        self.artifacts_bucket: s3.IBucket = SecureBucket(
            self,
            "Artifacts",
            encryption_key=self.key,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="artifacts/",
            noncurrent_version_expiration=noncurrent_version_expiration,
            lifecycle_rules=[
                s3.LifecycleRule(id="ExpireCheckpoints", prefix=CHECKPOINT_PREFIX, expiration=checkpoint_expiration)
            ],
        )
