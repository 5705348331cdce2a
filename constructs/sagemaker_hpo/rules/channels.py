"""HPO-CHAN: file system channels, manifests, shuffling and record wrapping."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._validation import is_unresolved
from . import request_model
from ._registry import Finding, Source, rule
from .subjects import JobSpec


def _inputs(job: JobSpec) -> Iterator[tuple[str, object]]:
    for name, value in job.training.inputs.items():
        yield f"training.inputs[{name!r}]", value


def _file_systems(job: JobSpec) -> Iterator[tuple[str, object]]:
    from ..channels import FileSystemInput

    return ((where, value) for where, value in _inputs(job) if isinstance(value, FileSystemInput))


def _s3_inputs(job: JobSpec) -> Iterator[tuple[str, object]]:
    from ..locations import S3Input

    return ((where, value) for where, value in _inputs(job) if isinstance(value, S3Input))


@rule(
    "HPO-CHAN-001",
    statement="EFS and FSx for Lustre channels need the training jobs in a VPC (the file system's).",
    field="VpcConfig, InputDataConfig.DataSource.FileSystemDataSource",
    source=Source.API_REFERENCE,
    reference="FileSystemDataSource: training jobs reach the file system through VpcConfig",
    subjects=JobSpec,
)
def _file_system_vpc(job: JobSpec, finding: Finding) -> None:
    for where, _ in _file_systems(job):
        finding.require(
            job.training.vpc is not None, where, "FileSystemInput", "needs training.vpc: the file system's VPC"
        )


@rule(
    "HPO-CHAN-002",
    statement="A file system id is fs- and at least 8 hex digits (11 to 21 characters); the directory path is "
    "absolute (at most 4,096 characters).",
    field="FileSystemDataSource.FileSystemId, FileSystemDataSource.DirectoryPath",
    source=Source.SERVICE_MODEL,
    reference="shapes FileSystemId (pattern, 11 to 21), DirectoryPath (max 4096)",
    subjects=JobSpec,
)
def _file_system_fields(job: JobSpec, finding: Finding) -> None:
    shape = request_model.shape("FileSystemId")
    for where, channel in _file_systems(job):
        fs_id: str = channel.file_system_id  # type: ignore[attr-defined]
        if not is_unresolved(fs_id):
            finding.require(
                shape["min"] <= len(fs_id) <= shape["max"] and re.fullmatch(shape["pattern"], fs_id) is not None,
                f"{where}.file_system_id",
                fs_id,
                "must be a file system id such as fs-0123456789abcdef0",
            )
        path: str = channel.directory_path  # type: ignore[attr-defined]
        if not is_unresolved(path):
            finding.require(
                path.startswith("/") and len(path) <= request_model.shape("DirectoryPath")["max"],
                f"{where}.directory_path",
                path,
                "must be an absolute path (FSx for Lustre: /<mount name>/...)",
            )


@rule(
    "HPO-CHAN-003",
    statement="attribute_names (1 to 16, each 1 to 256 characters) go with an augmented manifest, which needs them.",
    field="S3DataSource.AttributeNames",
    source=Source.API_REFERENCE,
    reference="S3DataSource.AttributeNames: for AugmentedManifestFile; shape AttributeNames (max 16)",
    subjects=JobSpec,
)
def _attribute_names(job: JobSpec, finding: Finding) -> None:
    from ..locations import S3DataType

    for where, channel in _s3_inputs(job):
        names = channel.attribute_names  # type: ignore[attr-defined]
        augmented = channel.data_type is S3DataType.AUGMENTED_MANIFEST_FILE  # type: ignore[attr-defined]
        if names is None:
            finding.require(not augmented, f"{where}.attribute_names", None, "is required with an augmented manifest")
            continue
        finding.require(augmented, f"{where}.attribute_names", list(names), "only go with AUGMENTED_MANIFEST_FILE")
        finding.count_between(f"{where}.attribute_names", names, 1, request_model.shape("AttributeNames")["max"])
        for index, name in enumerate(names):
            finding.length_between(f"{where}.attribute_names[{index}]", name, 1, 256)


@rule(
    "HPO-CHAN-004",
    statement="RecordIO wrapping is for channels read in Pipe mode.",
    field="InputDataConfig.RecordWrapperType",
    source=Source.API_REFERENCE,
    reference="Channel.RecordWrapperType: in File mode leave it unset or None",
    subjects=JobSpec,
)
def _record_wrapping(job: JobSpec, finding: Finding) -> None:
    from ..locations import InputMode, RecordWrapping

    for where, channel in _s3_inputs(job):
        if channel.record_wrapping is RecordWrapping.RECORD_IO:  # type: ignore[attr-defined]
            mode = channel.input_mode or job.training.input_mode  # type: ignore[attr-defined]
            finding.require(
                mode is InputMode.PIPE,
                f"{where}.record_wrapping",
                "RecordIO",
                f"needs Pipe input mode (is {mode.value})",
            )


@rule(
    "HPO-CHAN-005",
    statement="shuffle_seed is an integer from 0 to 9,223,372,036,854,775,807.",
    field="InputDataConfig.ShuffleConfig.Seed",
    source=Source.SERVICE_MODEL,
    reference="shape Seed (long)",
    subjects=JobSpec,
)
def _shuffle_seed(job: JobSpec, finding: Finding) -> None:
    for where, channel in _s3_inputs(job):
        finding.int_between(f"{where}.shuffle_seed", channel.shuffle_seed, 0, 2**63 - 1)  # type: ignore[attr-defined]


@rule(
    "HPO-CHAN-006",
    statement="hub_content_arn is at most 255 characters.",
    field="S3DataSource.HubAccessConfig.HubContentArn",
    source=Source.SERVICE_MODEL,
    reference="shape HubContentArn (max 255)",
    subjects=JobSpec,
)
def _hub_content(job: JobSpec, finding: Finding) -> None:
    for where, channel in _s3_inputs(job):
        arn = channel.hub_content_arn  # type: ignore[attr-defined]
        finding.length_between(f"{where}.hub_content_arn", arn, 1, request_model.shape("HubContentArn")["max"])
