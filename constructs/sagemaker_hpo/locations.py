"""S3 locations and training channels: typed replacements for hand-written S3 URIs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from ._validation import ValidationError, is_unresolved

#: An ``s3://bucket/prefix`` URI.
S3_URI = re.compile(r"^s3://([^/]+)/?(.*)$")
#: Amazon S3's general purpose bucket naming rules (S3 User Guide, "General purpose bucket naming rules").
_BUCKET_CHARACTERS = re.compile(r"^[a-z0-9.-]+$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
#: Prefixes and suffixes S3 reserves (access point aliases, Object Lambda, Multi-Region Access Points, directory
#: and table buckets, documentation examples).
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """What makes ``name`` an invalid general purpose bucket name, or ``None`` when it is valid (or a token).

    The rules: 3 to 63 characters; only lower-case letters, digits, dots and hyphens; starting and ending with a
    letter or digit; no two adjacent dots; not an IP address; not starting with ``xn--``, ``sthree-`` or
    ``amzn-s3-demo-``; not ending with ``-s3alias``, ``--ol-s3``, ``.mrap``, ``--x-s3`` or ``--table-s3``.
    """
    if is_unresolved(name):
        return None
    if not 3 <= len(name) <= 63:
        return f"must be 3 to 63 characters long (is {len(name)})"
    if not _BUCKET_CHARACTERS.match(name):
        return "may contain only lower-case letters, digits, dots (.) and hyphens (-)"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "must begin and end with a letter or digit"
    if ".." in name:
        return "must not contain two adjacent dots"
    if _IP_ADDRESS.match(name):
        return "must not be formatted as an IP address"
    for prefix in BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"must not start with {prefix!r} (reserved by S3)"
    for suffix in BUCKET_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"must not end with {suffix!r} (reserved by S3)"
    return None


def parse_s3_uri(uri: str, where: str) -> tuple[str, str]:
    """``(bucket, key prefix)`` of ``uri``; ``where`` (e.g. ``S3Input.from_uri``) names the caller in errors.

    :raises ValidationError: when ``uri`` is not an ``s3://`` URI (HPO-DATA-001) or names an invalid bucket
        (HPO-DATA-002).
    """
    if not isinstance(uri, str):
        raise ValidationError.wrong_type(where, "uri", uri, "an s3:// URI string", rule_id="HPO-DATA-001")
    match = S3_URI.match(uri)
    if not match:
        raise ValidationError(where, "uri", uri, "not an S3 URI; expected s3://bucket/prefix", rule_id="HPO-DATA-001")
    bucket = match.group(1)
    problem = bucket_name_problem(bucket)
    if problem is not None:
        raise ValidationError(
            where,
            "uri",
            uri,
            f"bucket name {bucket!r} is not a valid S3 bucket name: {problem}",
            rule_id="HPO-DATA-002",
        )
    return bucket, match.group(2)


@cache
def _partition() -> str:
    """``Aws.PARTITION``: the same token every time, read once (each read is a jsii round trip)."""
    return Aws.PARTITION


@dataclass(frozen=True)
class S3Location:
    """A bucket and key prefix. Build it with ``S3Location.from_bucket`` or ``S3Location.from_uri``.

    :param bucket_name: the bucket's name (may be a deploy-time token).
    :param key_prefix: the key prefix, without a leading slash. Default: ``""``, the whole bucket.
    :param bucket: the bucket construct, when known; its encryption key is then used for grants. Default: none.
    :param kms_key: the KMS key that encrypts the objects, when not the bucket's own. Default: none.
    """

    bucket_name: str
    key_prefix: str = ""
    bucket: s3.IBucket | None = None
    kms_key: kms.IKey | None = None

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key_prefix: str = "", *, kms_key: kms.IKey | None = None) -> S3Location:
        """A prefix in a CDK bucket. The key defaults to the bucket's own encryption key."""
        from .rules import run_rules
        from .rules.types import FactoryArgument

        accepted = not isinstance(bucket, (str, type)) and hasattr(bucket, "bucket_name")
        expected = "an s3.IBucket (for a URI use S3Location.from_uri)"
        run_rules(FactoryArgument("bucket", bucket, expected, accepted), path="S3Location.from_bucket")  # HPO-TYPE-004
        return S3Location(bucket.bucket_name, key_prefix.lstrip("/"), bucket, kms_key or bucket.encryption_key)

    @staticmethod
    def from_uri(uri: str, *, kms_key: kms.IKey | None = None) -> S3Location:
        """A location from an ``s3://bucket/prefix`` URI.

        :raises ValidationError: when ``uri`` is not an S3 URI (HPO-DATA-001) or its bucket name breaks S3's naming
            rules (HPO-DATA-002).
        """
        bucket, prefix = parse_s3_uri(uri, "S3Location.from_uri")
        return S3Location(bucket, prefix, None, kms_key)

    @property
    def uri(self) -> str:
        """``s3://bucket/prefix``."""
        return f"s3://{self.bucket_name}/{self.key_prefix}"

    @property
    def bucket_arn(self) -> str:
        """The bucket's ARN."""
        if self.bucket is not None:
            return self.bucket.bucket_arn
        return f"arn:{_partition()}:s3:::{self.bucket_name}"

    def objects_arn(self) -> str:
        """The ARN pattern of every object under the prefix."""
        return f"{self.bucket_arn}/{self.key_prefix}*"


def as_location(value: str | S3Location) -> S3Location:
    """Accept an ``s3://`` URI string or an ``S3Location``."""
    return value if isinstance(value, S3Location) else S3Location.from_uri(value)


class InputMode(str, Enum):
    """How a training job reads a channel (the API's ``TrainingInputMode``)."""

    FILE = "File"
    PIPE = "Pipe"
    FAST_FILE = "FastFile"


class S3DataDistribution(str, Enum):
    """How a channel's objects are spread over the instances of a training job."""

    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class CompressionType(str, Enum):
    """Compression of a channel's objects."""

    NONE = "None"
    GZIP = "Gzip"


class S3DataType(str, Enum):
    """What an ``S3Input``'s URI names (the API's ``S3DataType``)."""

    #: Every object under the prefix.
    S3_PREFIX = "S3Prefix"
    #: A manifest file listing the objects to read.
    MANIFEST_FILE = "ManifestFile"
    #: An augmented manifest (JSON lines); ``attribute_names`` picks the attributes each record sends.
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"


class RecordWrapping(str, Enum):
    """How a channel's records reach the container (the API's ``RecordWrapperType``)."""

    NONE = "None"
    #: Each record wrapped in RecordIO (Pipe mode only).
    RECORD_IO = "RecordIO"


@dataclass(frozen=True)
class S3Input:
    """A training channel read from S3. Build it with ``S3Input.from_bucket`` or ``S3Input.from_uri``.

    :param location: where the channel's objects are.
    :param content_type: the MIME type of the data, e.g. ``text/csv``. Required for built-in XGBoost's ``train``
        and ``validation`` channels (without one XGBoost reads libsvm: rule HPO-DATA-006). Default: none (the
        algorithm's or program's own default).
    :param input_mode: overrides the training definition's input mode for this channel. Default: inherit.
    :param distribution: how objects are spread over instances. Default: ``FULLY_REPLICATED``.
    :param compression: compression of the objects. Default: none.
    :param data_type: what the location names: a prefix, a manifest file or an augmented manifest file (then
        ``attribute_names`` is required). Default: ``S3DataType.S3_PREFIX``.
    :param attribute_names: with an augmented manifest, the attributes each record sends, in order (1 to 16).
        Default: none.
    :param shuffle_seed: shuffle the objects (and, in Pipe mode, the records each epoch) with this seed
        (``ShuffleConfig``). Default: no shuffling.
    :param record_wrapping: ``RecordWrapping.RECORD_IO`` wraps each record in RecordIO (Pipe mode only).
        Default: none.
    :param accept_eula: accept the end-user license of the model this channel reads (``ModelAccessConfig``).
        Default: not set.
    :param hub_content_arn: the SageMaker hub content (a model) this channel reads (``HubAccessConfig``).
        Default: none.
    """

    location: S3Location
    content_type: str | None = None
    input_mode: InputMode | None = None
    distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED
    compression: CompressionType | None = None
    data_type: S3DataType = S3DataType.S3_PREFIX
    attribute_names: Sequence[str] | None = None
    shuffle_seed: int | None = None
    record_wrapping: RecordWrapping | None = None
    accept_eula: bool | None = None
    hub_content_arn: str | None = None

    @staticmethod
    def from_bucket(
        bucket: s3.IBucket,
        key_prefix: str = "",
        *,
        content_type: str | None = None,
        input_mode: InputMode | None = None,
        distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED,
        compression: CompressionType | None = None,
    ) -> S3Input:
        """A channel reading ``key_prefix`` of ``bucket``; the training role is granted read on exactly that."""
        return S3Input(S3Location.from_bucket(bucket, key_prefix), content_type, input_mode, distribution, compression)

    @staticmethod
    def from_uri(
        uri: str,
        *,
        content_type: str | None = None,
        input_mode: InputMode | None = None,
        distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED,
        compression: CompressionType | None = None,
    ) -> S3Input:
        """A channel reading an ``s3://bucket/prefix`` URI.

        :raises ValidationError: when ``uri`` is not an S3 URI (HPO-DATA-001) or its bucket name breaks S3's naming
            rules (HPO-DATA-002).
        """
        bucket, prefix = parse_s3_uri(uri, "S3Input.from_uri")
        return S3Input(S3Location(bucket, prefix), content_type, input_mode, distribution, compression)

    def _render(self, channel_name: str) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "ChannelName": channel_name,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": self.data_type.value,
                    "S3Uri": self.location.uri,
                    "S3DataDistributionType": self.distribution.value,
                }
            },
        }
        if self.content_type is not None:
            channel["ContentType"] = self.content_type
        if self.compression is not None:
            channel["CompressionType"] = self.compression.value
        if self.input_mode is not None:
            channel["InputMode"] = self.input_mode.value
        source = channel["DataSource"]["S3DataSource"]
        if self.attribute_names is not None:
            source["AttributeNames"] = list(self.attribute_names)
        if self.accept_eula is not None:
            source["ModelAccessConfig"] = {"AcceptEula": self.accept_eula}
        if self.hub_content_arn is not None:
            source["HubAccessConfig"] = {"HubContentArn": self.hub_content_arn}
        if self.shuffle_seed is not None:
            channel["ShuffleConfig"] = {"Seed": self.shuffle_seed}
        if self.record_wrapping is not None:
            channel["RecordWrapperType"] = self.record_wrapping.value
        return channel


def as_input(value: str | S3Input | S3Location) -> S3Input:
    """Accept a URI string, an ``S3Location`` or an ``S3Input``."""
    if isinstance(value, S3Input):
        return value
    if isinstance(value, S3Location):
        return S3Input(value)
    return S3Input.from_uri(value)
