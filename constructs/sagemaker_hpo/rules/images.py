"""HPO-IMAGE: training images; a built-in algorithm's name, version and region; a ``GpuTrainingImage``'s folder
and its ``metrics.json``."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import is_unresolved
from ._registry import Finding, Source, rule
from .subjects import JobSpec


def builtin_algorithms() -> dict[str, Any]:
    """The built-in algorithms the library knows (their registries, versions and metrics), by lower-case name."""
    from ..image import _builtin_algorithms  # the image module imports the rules: read its facts when checking

    return _builtin_algorithms()


def untunable_algorithms() -> dict[str, str]:
    """Built-in algorithms that document no tuning metrics, with the reason a tuning job of theirs is refused."""
    from ..image import untunable_algorithms as untunable

    return untunable()


def jumpstart_algorithms() -> dict[str, Any]:
    """SageMaker's JumpStart-based built-in algorithms (``TrainingImage.jumpstart_algorithm``), by name."""
    from ..image import jumpstart_algorithms as jumpstart

    return jumpstart()


@dataclass(frozen=True)
class BuiltinAlgorithmChoice:
    """A built-in algorithm image as asked for: the subject of the ``HPO-IMAGE`` rules.

    :param name: the algorithm's name, e.g. ``xgboost``.
    :param version: the image version, e.g. ``1.7-1``.
    :param region: the stack's region, when known at synth time. Default: not known (every region is allowed).
    """

    name: str
    version: str
    region: str | None = None


@rule(
    "HPO-IMAGE-001",
    statement="A built-in algorithm image names an algorithm the library knows the registries and tuning metrics of "
    "(PCA and AutoGluon-Tabular document no tuning metrics: refused).",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.LIBRARY,
    reference="sagemaker_hpo/data/builtin-algorithms.json (the SDK's image data, the algorithms' tuning pages)",
    subjects=BuiltinAlgorithmChoice,
)
def _known_algorithm(choice: BuiltinAlgorithmChoice, finding: Finding) -> None:
    algorithms = builtin_algorithms()
    name = choice.name.lower()
    untunable = untunable_algorithms().get(name)
    if untunable is not None:
        finding.fail("training.image", choice.name, f"cannot be tuned: {untunable}")
    if name in jumpstart_algorithms():
        finding.fail(
            "training.image",
            choice.name,
            "is a JumpStart algorithm: its training image is resolved by JumpStart, not published under this name; "
            f"use TrainingImage.jumpstart_algorithm({name!r}, image_uri=...)",
        )
    close = difflib.get_close_matches(name, sorted(algorithms), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    finding.require(
        name in algorithms,
        "training.image",
        choice.name,
        f"is not a built-in algorithm the library knows (known: {', '.join(sorted(algorithms))}){hint}",
    )


@rule(
    "HPO-IMAGE-002",
    statement="A built-in algorithm image names a version SageMaker publishes, in the stack's region when it is known.",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.ALGORITHM,
    reference="Docker registry paths and example code (SageMaker developer guide)",
    subjects=BuiltinAlgorithmChoice,
)
def _published_image(choice: BuiltinAlgorithmChoice, finding: Finding) -> None:
    algorithm = builtin_algorithms().get(choice.name.lower())
    if algorithm is None:  # HPO-IMAGE-001
        return
    finding.require(
        choice.version in algorithm.versions,
        "training.image",
        choice.version,
        f"is not a published {choice.name.lower()} version; published: {', '.join(algorithm.versions)}",
    )
    if choice.region is not None and not is_unresolved(choice.region):
        finding.require(
            choice.region in algorithm.image(choice.version).registries,
            "training.image",
            choice.region,
            f"the built-in {choice.name.lower()} algorithm is not published in this region; published in: "
            f"{', '.join(sorted(algorithm.image(choice.version).registries))}",
        )


@rule(
    "HPO-IMAGE-003",
    statement="A JumpStart-based built-in algorithm names one whose tuning metrics the library knows (LightGBM, "
    "CatBoost, TabTransformer, Image Classification - TensorFlow, Object Detection - TensorFlow).",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.ALGORITHM,
    reference="the algorithms' tuning pages (e.g. docs.aws.amazon.com/sagemaker/latest/dg/lightgbm-tuning.html)",
    subjects=JobSpec,
)
def _known_jumpstart(job: JobSpec, finding: Finding) -> None:
    name = job.image.jumpstart_name
    if name is None:
        return
    untunable = untunable_algorithms().get(name)
    if untunable is not None:
        finding.fail("training.image", name, f"cannot be tuned: {untunable}")
    known = jumpstart_algorithms()
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    finding.require(
        name in known,
        "training.image",
        name,
        f"is not a JumpStart algorithm the library knows ({', '.join(sorted(known))}){hint}",
    )


@dataclass(frozen=True)
class ImageFolder:
    """A ``GpuTrainingImage``'s folder and the metric definitions passed with it: the subject of HPO-IMAGE-004/005.

    :param folder: the folder ``cdk deploy`` builds the image from.
    :param metric_definitions: the metric definitions passed to the construct. Default: none passed (read from the
        folder's ``metrics.json``).
    """

    folder: Path
    metric_definitions: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class MetricsFile:
    """An image folder's ``metrics.json``, read by ``load_metric_definitions``: the subject of HPO-IMAGE-005/006.

    :param path: the file.
    """

    path: Path


#: The file, beside the Dockerfile, that holds the metric definitions the training program prints for.
METRICS_FILE_NAME = "metrics.json"


@rule(
    "HPO-IMAGE-004",
    statement="A GpuTrainingImage's directory is a folder with a Dockerfile.",
    field="GpuTrainingImage.directory",
    source=Source.LIBRARY,
    reference="aws_ecr_assets.DockerImageAsset (builds the folder's Dockerfile)",
    subjects=ImageFolder,
)
def _folder_has_dockerfile(subject: ImageFolder, finding: Finding) -> None:
    finding.require(
        (subject.folder / "Dockerfile").is_file(),
        "directory",
        str(subject.folder),
        "must be a folder with a Dockerfile",
    )


@rule(
    "HPO-IMAGE-005",
    statement="A GpuTrainingImage has metric definitions: at least one passed, or a metrics.json in its folder.",
    field="AlgorithmSpecification.MetricDefinitions",
    source=Source.LIBRARY,
    reference="sagemaker_hpo/images/gpu_training/README.md (the container contract)",
    subjects=(ImageFolder, MetricsFile),
)
def _has_metric_definitions(subject: ImageFolder | MetricsFile, finding: Finding) -> None:
    if isinstance(subject, MetricsFile):
        finding.require(
            subject.path.is_file(), METRICS_FILE_NAME, None, f"no {METRICS_FILE_NAME} in {subject.path.parent}"
        )
        return
    if subject.metric_definitions is not None:
        finding.require(
            bool(subject.metric_definitions), "metric_definitions", [], "needs at least one metric definition"
        )
        return
    finding.require(
        (subject.folder / METRICS_FILE_NAME).is_file(),
        "metric_definitions",
        None,
        f"pass metric_definitions or add a {METRICS_FILE_NAME} (a list of {{name, regex}}) to {subject.folder}",
    )


def read_metrics_file(path: Path) -> list[dict[str, str]]:
    """The entries of a ``metrics.json`` that HPO-IMAGE-006 accepted (read again: the file is small)."""
    entries: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return entries


@rule(
    "HPO-IMAGE-006",
    statement="An image folder's metrics.json is a non-empty JSON list of {name, regex} objects with unique names.",
    field="AlgorithmSpecification.MetricDefinitions",
    source=Source.LIBRARY,
    reference="sagemaker_hpo/images/gpu_training/README.md (the container contract)",
    subjects=MetricsFile,
)
def _metrics_file_format(subject: MetricsFile, finding: Finding) -> None:
    try:
        raw = json.loads(subject.path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        finding.fail(METRICS_FILE_NAME, f"line {err.lineno}", f"not valid JSON ({err.msg})")
        return
    if not isinstance(raw, list) or not raw:
        finding.fail(METRICS_FILE_NAME, raw, "expected a non-empty JSON list of {name, regex} objects")
        return
    for index, item in enumerate(raw):
        finding.require(
            isinstance(item, dict)
            and set(item) == {"name", "regex"}
            and all(isinstance(item[key], str) for key in ("name", "regex")),
            f"{METRICS_FILE_NAME}[{index}]",
            item,
            "must be an object with the string keys name and regex",
        )
    names = [item["name"] for item in raw]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    finding.require(not duplicates, METRICS_FILE_NAME, duplicates, "duplicate metric names: each name once")
