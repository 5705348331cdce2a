"""HPO-BUCKET: the training buckets' props (key prefixes, checkpoint expiration, the secure bucket's key and logs).

``TrainingBuckets``, ``SecureBucket`` and the bucket helpers of platforms and teams run these rules, so a setting
that would weaken the secure defaults (or that S3 would refuse) is a ``ValidationError`` with the construct's path,
the field and the rule id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._validation import is_unresolved
from ._registry import Finding, Source, rule


@dataclass(frozen=True)
class KeyPrefix:
    """A key prefix a bucket helper is given: the subject of HPO-BUCKET-001.

    :param field: the prop it was given as.
    :param prefix: the prefix.
    """

    field: str
    prefix: str


@dataclass(frozen=True)
class CheckpointExpiration:
    """The checkpoint expiration of ``TrainingBuckets`` in seconds (a token when not known): HPO-BUCKET-002.

    :param seconds: the expiration in seconds.
    :param shown: the expiration as the user wrote it (``Duration.to_human_string``).
    """

    seconds: Any
    shown: str


@dataclass(frozen=True)
class SecureBucketProps:
    """What a ``SecureBucket`` is given: the subject of HPO-BUCKET-003..006.

    :param access_log_target: whether it is the server-access-log bucket.
    :param has_key: whether an encryption key is given.
    :param has_log_bucket: whether a server-access-log bucket is given.
    """

    access_log_target: bool
    has_key: bool
    has_log_bucket: bool


@dataclass(frozen=True)
class LogDelivery:
    """A bucket asked to receive server access logs: the subject of HPO-BUCKET-007."""

    access_log_target: bool


@rule(
    "HPO-BUCKET-001",
    statement="A key prefix has no empty ('a//b') or '..' segments.",
    field="S3Uri",
    source=Source.LIBRARY,
    reference="the team and platform prefixes IAM grants are scoped to",
    subjects=KeyPrefix,
)
def _key_prefix(prefix: KeyPrefix, finding: Finding) -> None:
    if is_unresolved(prefix.prefix):
        return
    cleaned = prefix.prefix.lstrip("/")
    finding.require("//" not in cleaned and ".." not in cleaned.split("/"), prefix.field, prefix.prefix,
                    "must be a key prefix without empty or '..' segments")  # fmt: skip


@rule(
    "HPO-BUCKET-002",
    statement="Checkpoints expire after a whole number of days, at least 1.",
    field="AWS::S3::Bucket LifecycleConfiguration.Rules.ExpirationInDays",
    source=Source.API_REFERENCE,
    reference="S3 lifecycle rules count in days",
    subjects=CheckpointExpiration,
)
def _checkpoint_days(expiration: CheckpointExpiration, finding: Finding) -> None:
    seconds = expiration.seconds
    if is_unresolved(seconds):
        return
    finding.require(seconds >= 86400 and not seconds % 86400, "checkpoint_expiration", expiration.shown,
                    "must be a whole number of days, at least 1 (S3 lifecycle rules count in days)")  # fmt: skip


@rule(
    "HPO-BUCKET-003",
    statement="The server-access-log bucket is encrypted with SSE-S3: no KMS key is given for it.",
    field="AWS::S3::Bucket BucketEncryption",
    source=Source.API_REFERENCE,
    reference="S3 server access logging: the target bucket must use SSE-S3",
    subjects=SecureBucketProps,
)
def _log_bucket_key(props: SecureBucketProps, finding: Finding) -> None:
    if props.access_log_target:
        finding.require(not props.has_key, "encryption_key", "a KMS key", "must be left out for the server-access-log "
                        "bucket: S3 server access logs can only be delivered to a bucket encrypted with SSE-S3")  # fmt: skip


@rule(
    "HPO-BUCKET-004",
    statement="The server-access-log bucket does not log to another bucket.",
    field="AWS::S3::Bucket LoggingConfiguration",
    source=Source.LIBRARY,
    reference="SecureBucket(access_log_target=True)",
    subjects=SecureBucketProps,
)
def _log_bucket_logs(props: SecureBucketProps, finding: Finding) -> None:
    if props.access_log_target:
        finding.require(not props.has_log_bucket, "server_access_logs_bucket", "a bucket",
                        "must be left out for the server-access-log bucket")  # fmt: skip


@rule(
    "HPO-BUCKET-005",
    statement="A data or artifacts bucket is encrypted with a KMS key (SSE-KMS).",
    field="AWS::S3::Bucket BucketEncryption",
    source=Source.LIBRARY,
    reference="the library's secure defaults",
    subjects=SecureBucketProps,
)
def _bucket_key(props: SecureBucketProps, finding: Finding) -> None:
    if not props.access_log_target:
        finding.require(props.has_key, "encryption_key", None, "a KMS key is required (SSE-KMS)")


@rule(
    "HPO-BUCKET-006",
    statement="A data or artifacts bucket writes server access logs to a log bucket.",
    field="AWS::S3::Bucket LoggingConfiguration",
    source=Source.LIBRARY,
    reference="the library's secure defaults",
    subjects=SecureBucketProps,
)
def _bucket_logs(props: SecureBucketProps, finding: Finding) -> None:
    if not props.access_log_target:
        finding.require(props.has_log_bucket, "server_access_logs_bucket", None, "a log bucket is required")


@rule(
    "HPO-BUCKET-007",
    statement="Only the server-access-log bucket receives other buckets' server access logs.",
    field="AWS::S3::BucketPolicy",
    source=Source.LIBRARY,
    reference="SecureBucket.allow_log_delivery_from",
    subjects=LogDelivery,
)
def _log_delivery(delivery: LogDelivery, finding: Finding) -> None:
    finding.require(delivery.access_log_target, "access_log_target", False, "only the log bucket receives logs")
