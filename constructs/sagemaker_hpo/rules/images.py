"""HPO-IMAGE: training images; a built-in algorithm's name, version and region."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
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
