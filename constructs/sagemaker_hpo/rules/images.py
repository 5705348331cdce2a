"""HPO-IMAGE: training images; a built-in algorithm's name, version and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._validation import is_unresolved
from ._registry import Finding, Source, rule


def builtin_algorithms() -> dict[str, Any]:
    """The built-in algorithms the library knows (their registries, versions and metrics), by lower-case name."""
    from ..image import _builtin_algorithms  # the image module imports the rules: read its facts when checking

    return _builtin_algorithms()


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
    statement="A built-in algorithm image names an algorithm the library knows the registries of.",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.LIBRARY,
    reference="sagemaker_hpo/data/xgboost-image-registries.json",
    subjects=BuiltinAlgorithmChoice,
)
def _known_algorithm(choice: BuiltinAlgorithmChoice, finding: Finding) -> None:
    algorithms = builtin_algorithms()
    finding.require(
        choice.name.lower() in algorithms,
        "training.image",
        choice.name,
        f"is not a built-in algorithm the library knows; known: {', '.join(sorted(algorithms))}",
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
    algorithm = builtin_algorithms()[choice.name.lower()]
    finding.require(
        choice.version in algorithm.versions,
        "training.image",
        choice.version,
        f"is not a published {choice.name.lower()} version; published: {', '.join(algorithm.versions)}",
    )
    if choice.region is not None and not is_unresolved(choice.region):
        finding.require(
            choice.region in algorithm.registries,
            "training.image",
            choice.region,
            f"the built-in {choice.name.lower()} algorithm is not published in this region; published in: "
            f"{', '.join(sorted(algorithm.registries))}",
        )
