"""HPO-DATA: S3 locations (inputs, output, checkpoints) and training channels."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._validation import is_unresolved
from ..channels import FileSystemInput
from ..locations import S3_URI, S3Input, S3Location, bucket_name_problem
from . import service_model as model
from ._registry import Finding, Source, rule
from .subjects import JobSpec

#: The content types the built-in XGBoost algorithm reads (its documentation's input formats).
XGBOOST_CONTENT_TYPES = (
    "text/csv",
    "text/libsvm",
    "text/x-libsvm",
    "application/x-parquet",
    "application/x-recordio-protobuf",
)
#: The channels built-in XGBoost reads data from.
XGBOOST_DATA_CHANNELS = ("train", "validation")


def _locations(job: JobSpec) -> Iterator[tuple[str, S3Location | None, object]]:
    """Every S3 location of the training definition: (field, location or None when not an S3 URI, raw value)."""
    training = job.training
    for name, value in training.inputs.items():
        if not isinstance(value, FileSystemInput):  # a file system, not an S3 location
            yield f"training.inputs[{name!r}]", _parsed(value), value
    yield "training.output_path", _parsed(training.output_path), training.output_path
    if training.checkpoint_path is not None:
        yield "training.checkpoint_path", _parsed(training.checkpoint_path), training.checkpoint_path


def _parsed(value: object) -> S3Location | None:
    """The location of an ``S3Input``, an ``S3Location`` or an ``s3://`` URI string (its bucket name unchecked)."""
    if isinstance(value, S3Input):
        return value.location
    if isinstance(value, S3Location):
        return value
    match = S3_URI.match(value) if isinstance(value, str) else None
    return None if match is None else S3Location(match.group(1), match.group(2))


def channels(job: JobSpec) -> dict[str, S3Input | FileSystemInput]:
    """The training definition's channels as ``S3Input`` or ``FileSystemInput`` (call after HPO-DATA-001 has checked
    the URIs)."""
    from ..training import channel_inputs

    return channel_inputs(job.training)


@rule(
    "HPO-DATA-001",
    statement="S3 locations are s3:// URIs (at most 1,024 characters).",
    field="S3DataSource.S3Uri, OutputDataConfig.S3OutputPath, CheckpointConfig.S3Uri",
    source=Source.SERVICE_MODEL,
    reference="shape S3Uri (pattern, max 1024)",
    subjects=JobSpec,
)
def _s3_uris(job: JobSpec, finding: Finding) -> None:
    for field, location, raw in _locations(job):
        if location is None:
            finding.fail(field, raw, "not an S3 URI; expected s3://bucket/prefix")
            continue
        uri = location.uri
        if not is_unresolved(uri):
            finding.require(
                bool(model.pattern("S3Uri").match(uri)), field, uri, "must match ^(https|s3)://([^/]+)/?(.*)$"
            )
            finding.length_between(field, uri, 1, model.maximum("S3Uri"))


@rule(
    "HPO-DATA-002",
    statement="The bucket of an S3 URI has a valid general purpose bucket name: 3 to 63 lower-case letters, digits, "
    "dots and hyphens, starting and ending with a letter or digit, no adjacent dots, not an IP address, none of S3's "
    "reserved prefixes (xn--, sthree-, amzn-s3-demo-) or suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3).",
    field="S3DataSource.S3Uri, OutputDataConfig.S3OutputPath, CheckpointConfig.S3Uri",
    source=Source.S3,
    reference="Amazon S3 general purpose bucket naming rules",
    subjects=JobSpec,
)
def _bucket_names(job: JobSpec, finding: Finding) -> None:
    for field, location, _raw in _locations(job):
        if location is None or location.bucket is not None or is_unresolved(location.bucket_name):
            continue
        name = location.bucket_name
        problem = bucket_name_problem(name)
        if problem is not None:
            finding.fail(field, location.uri, f"bucket name {name!r} is not a valid S3 bucket name: {problem}")


@rule(
    "HPO-DATA-003",
    statement="A channel name matches [A-Za-z0-9.-_]+ (at most 64 characters).",
    field="InputDataConfig.ChannelName",
    source=Source.SERVICE_MODEL,
    reference="shape ChannelName",
    subjects=JobSpec,
)
def _channel_names(job: JobSpec, finding: Finding) -> None:
    for name in job.training.inputs:
        if not is_unresolved(name):
            finding.require(
                bool(model.pattern("ChannelName").match(name)) and len(name) <= model.maximum("ChannelName"),
                "training.inputs channel name",
                name,
                "must match [A-Za-z0-9.\\-_]+ and be at most 64 characters",
            )


@rule(
    "HPO-DATA-004",
    statement="At most 20 channels.",
    field="InputDataConfig",
    source=Source.SERVICE_MODEL,
    reference="shape InputDataConfig (max 20)",
    subjects=JobSpec,
)
def _channel_count(job: JobSpec, finding: Finding) -> None:
    finding.count_between("training.inputs", job.training.inputs, 0, model.maximum("InputDataConfig"))


@rule(
    "HPO-DATA-005",
    statement="A channel's content type is a MIME type type/subtype (at most 256 characters).",
    field="InputDataConfig.ContentType",
    source=Source.SERVICE_MODEL,
    reference="shape ContentType (max 256)",
    subjects=JobSpec,
)
def _content_type(job: JobSpec, finding: Finding) -> None:
    for name, channel in channels(job).items():
        value = channel.content_type
        if value is None or is_unresolved(value):
            continue
        field = f"training.inputs[{name!r}].content_type"
        finding.length_between(field, value, 1, model.maximum("ContentType"))
        finding.require(
            bool(re.match(r"^[\w.+-]+/[\w.+-]+(\s*;.*)?$", value)), field, value, "must be a MIME type such as text/csv"
        )


def _xgboost(job: JobSpec) -> bool:
    return job.image.is_builtin and job.image.builtin_name == "xgboost"


@rule(
    "HPO-DATA-006",
    statement="Built-in XGBoost channels (train, validation) state their content type: without one XGBoost reads "
    "libsvm.",
    field="InputDataConfig.ContentType",
    source=Source.ALGORITHM,
    reference="XGBoost algorithm: input formats (libsvm when no content type is given)",
    subjects=JobSpec,
)
def _xgboost_content_type(job: JobSpec, finding: Finding) -> None:
    if not _xgboost(job):
        return
    for name, channel in channels(job).items():
        if name in XGBOOST_DATA_CHANNELS and channel.content_type is None:
            finding.fail(
                f"training.inputs[{name!r}].content_type",
                None,
                "built-in XGBoost reads a channel without a content type as libsvm: state the format, e.g. "
                f"S3Input.from_uri(..., content_type='text/csv'); one of {', '.join(XGBOOST_CONTENT_TYPES)}",
            )


@rule(
    "HPO-DATA-007",
    statement="Built-in XGBoost channels have a content type XGBoost reads (text/csv, text/libsvm, parquet, "
    "recordio-protobuf).",
    field="InputDataConfig.ContentType",
    source=Source.ALGORITHM,
    reference="XGBoost algorithm: input formats",
    subjects=JobSpec,
)
def _xgboost_known_content_type(job: JobSpec, finding: Finding) -> None:
    if not _xgboost(job):
        return
    for name, channel in channels(job).items():
        value = channel.content_type
        if value is None or is_unresolved(value):
            continue
        finding.require(
            value.split(";")[0].strip().lower() in XGBOOST_CONTENT_TYPES,
            f"training.inputs[{name!r}].content_type",
            value,
            f"built-in XGBoost reads {', '.join(XGBOOST_CONTENT_TYPES)}",
        )


@rule(
    "HPO-DATA-008",
    statement="A channel compressed with Gzip is read in Pipe mode (its own input_mode, or the training definition's): "
    "in File and FastFile mode SageMaker takes no compression.",
    field="Channel.CompressionType",
    source=Source.API_REFERENCE,
    reference="Channel.CompressionType: used only in Pipe input mode; in File mode leave it unset or None",
    subjects=JobSpec,
)
def _compression_needs_pipe(job: JobSpec, finding: Finding) -> None:
    from ..locations import CompressionType, InputMode

    for name, channel in channels(job).items():
        if not isinstance(channel, S3Input):  # a file system takes no compression
            continue
        mode = channel.input_mode or job.training.input_mode
        if channel.compression is CompressionType.GZIP and mode is not InputMode.PIPE:
            finding.fail(
                f"training.inputs[{name!r}].compression",
                channel.compression.value,
                f"Gzip is read in Pipe mode only; this channel is read in {mode.value} mode: set "
                "input_mode=InputMode.PIPE on the channel (the program must read the pipe), or store the objects "
                "uncompressed",
            )


@rule(
    "HPO-DATA-009",
    statement="A bucket whose Region is known (a bucket of a stack with a Region, or imported with region=) is in the "
    "Region of the job's stack, when that is known.",
    field="S3DataSource.S3Uri, OutputDataConfig.S3OutputPath, CheckpointConfig.S3Uri",
    source=Source.API_REFERENCE,
    reference="CreateTrainingJob: the S3 buckets of the input data, output and checkpoints must be in the training "
    "job's Region",
    subjects=JobSpec,
)
def _bucket_region(job: JobSpec, finding: Finding) -> None:
    from .._tree import region_of

    region = region_of(job.job)
    if is_unresolved(region):
        return
    for field, location, _raw in _locations(job):
        if location is None or location.bucket is None:
            continue
        bucket_region = location.bucket.env.region
        if not is_unresolved(bucket_region) and bucket_region != region:
            finding.fail(
                field,
                location.uri if not is_unresolved(location.uri) else location.bucket.node.path,
                f"the bucket is in {bucket_region}, the job's stack in {region}: SageMaker reads and writes only "
                "buckets of the training job's Region; copy the data to a bucket there",
            )
