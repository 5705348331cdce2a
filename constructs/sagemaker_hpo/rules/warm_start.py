"""HPO-WARM: warm start from earlier tuning jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._contract import contract
from .._validation import is_unresolved
from . import service_model as model
from ._registry import Finding, Level, Source, rule
from .job import JOB_NAME
from .subjects import JobSpec, RenderedJob


def _parent_jobs(job: JobSpec) -> Iterator[tuple[str, Any]]:
    """The parents that are ``TuningJob`` constructs of this app."""
    if job.warm_start is not None:
        for index, parent in enumerate(job.warm_start.parents):
            if not isinstance(parent, str):
                yield f"warm_start.parents[{index}]", parent


@rule(
    "HPO-WARM-001",
    statement="Warm start has 1 to 5 parent jobs.",
    field="WarmStartConfig.ParentHyperParameterTuningJobs",
    source=Source.SERVICE_MODEL,
    reference="shape ParentHyperParameterTuningJobs (min 1, max 5)",
    subjects=JobSpec,
)
def _parent_count(job: JobSpec, finding: Finding) -> None:
    if job.warm_start is not None:
        name = "ParentHyperParameterTuningJobs"
        finding.count_between("warm_start.parents", job.warm_start.parents, model.minimum(name), model.maximum(name))


@rule(
    "HPO-WARM-002",
    statement="A parent given by name is a tuning job name.",
    field="WarmStartConfig.ParentHyperParameterTuningJobs[].HyperParameterTuningJobName",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTuningJobName",
    subjects=JobSpec,
)
def _parent_names(job: JobSpec, finding: Finding) -> None:
    if job.warm_start is None:
        return
    for index, parent in enumerate(job.warm_start.parents):
        if isinstance(parent, str) and not is_unresolved(parent):
            finding.require(
                bool(JOB_NAME.match(parent)), f"warm_start.parents[{index}]", parent, "must be a tuning job name"
            )


@rule(
    "HPO-WARM-003",
    statement="A parent has the same objective (type and metric).",
    field="HyperParameterTuningJobObjective",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobWarmStartConfig: parents must have the same objective",
    subjects=JobSpec,
)
def _same_objective(job: JobSpec, finding: Finding) -> None:
    objective = job.objective
    for where, parent in _parent_jobs(job):
        finding.require(
            parent.objective == objective,
            where,
            parent.node.path,
            f"a parent must have the same objective ({objective.type.value} {objective.metric_name}); it has "
            f"{parent.objective.type.value} {parent.objective.metric_name}",
        )


@rule(
    "HPO-WARM-004",
    statement="A parent of this app has finished before the job starts: its deployment waits for it.",
    field="WarmStartConfig.ParentHyperParameterTuningJobs",
    source=Source.API_REFERENCE,
    reference="warm start needs parents in a terminal state",
    subjects=JobSpec,
)
def _parent_finished(job: JobSpec, finding: Finding) -> None:
    for where, parent in _parent_jobs(job):
        finding.require(
            parent.wait_for_completion,
            where,
            parent.node.path,
            "a parent must have finished before this job starts: set wait_for_completion=True on it, so that "
            "its deployment waits for it",
        )


@rule(
    "HPO-WARM-005",
    statement="A parent has as many static and tuned hyperparameters in total as the job.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobWarmStartConfig",
    subjects=JobSpec,
)
def _parent_hyperparameter_count(job: JobSpec, finding: Finding) -> None:
    total = len(job.static_hyperparameters) + len(job.parameter_ranges)
    for where, parent in _parent_jobs(job):
        finding.require(
            parent.hyperparameter_count == total,
            where,
            parent.node.path,
            f"a parent must have as many static and tuned hyperparameters in total as this job ({total}); "
            f"it has {parent.hyperparameter_count}",
        )


@rule(
    "HPO-WARM-006",
    statement="A hyperparameter tuned in a parent and in the job keeps its range type.",
    field="ParameterRanges",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobWarmStartConfig",
    subjects=JobSpec,
)
def _parent_range_types(job: JobSpec, finding: Finding) -> None:
    kinds = {r.name: type(r).__name__ for r in job.parameter_ranges}
    for where, parent in _parent_jobs(job):
        for parent_range in parent.parameter_ranges:
            kind = kinds.get(parent_range.name)
            finding.require(
                kind is None or kind == type(parent_range).__name__,
                where,
                parent.node.path,
                f"hyperparameter {parent_range.name!r} must keep its type: it is a {type(parent_range).__name__} "
                f"in the parent and a {kind} here",
            )


@rule(
    "HPO-WARM-007",
    statement="Parents given by name must have finished, with as many hyperparameters (not checkable at synth).",
    field="WarmStartConfig.ParentHyperParameterTuningJobs",
    source=Source.API_REFERENCE,
    reference="warm start needs parents in a terminal state",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _external_parents(job: JobSpec, finding: Finding) -> None:
    if job.warm_start is not None and job.warm_start.external_parent_names:
        finding.warn(
            "warm_start parents " + ", ".join(job.warm_start.external_parent_names) + " must have finished "
            "(Completed, Stopped or Failed) before this job is created, and have as many static and tuned "
            "hyperparameters"
        )


def _identical_parents(rendered: RenderedJob) -> Iterator[tuple[str, Any]]:
    """The parents of this app of a job whose warm start promises IdenticalDataAndAlgorithm."""
    from ..warm_start import WarmStartType

    warm_start = getattr(rendered.job, "warm_start", None)
    if warm_start is None or warm_start.type is not WarmStartType.IDENTICAL_DATA_AND_ALGORITHM:
        return
    for index, parent in enumerate(warm_start.parents):
        if not isinstance(parent, str):
            yield f"warm_start.parents[{index}]", parent


def _differ(job: Any, mine: Any, parent: Any, theirs: Any) -> bool:
    """True when two rendered values certainly differ: different literals, or different once resolved in one stack
    (values of different stacks that hold tokens cannot be compared at synth time)."""
    if mine == theirs:
        return False
    if not is_unresolved(mine) and not is_unresolved(theirs):
        return True
    from aws_cdk import Stack

    stack = Stack.of(job)
    if stack is not Stack.of(parent) and stack.node.path != Stack.of(parent).node.path:
        return False
    return bool(stack.resolve(mine) != stack.resolve(theirs))


def _definition(request: Any) -> dict[str, Any]:
    return dict(request.get("TrainingJobDefinition", {}))


@rule(
    "HPO-WARM-008",
    statement="With WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, a parent of this app uses the same training image.",
    field="AlgorithmSpecification.TrainingImage",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobWarmStartConfig.WarmStartType: IdenticalDataAndAlgorithm uses the same input "
    "data and training image as the parents",
    subjects=RenderedJob,
)
def _identical_image(rendered: RenderedJob, finding: Finding) -> None:
    mine = _definition(rendered.properties[contract.PROP_REQUEST]).get("AlgorithmSpecification", {})
    for where, parent in _identical_parents(rendered):
        theirs = _definition(parent.request).get("AlgorithmSpecification", {})
        image, parent_image = mine.get("TrainingImage"), theirs.get("TrainingImage")
        if _differ(rendered.job, image, parent, parent_image):
            finding.fail(
                where,
                parent.node.path,
                "IdenticalDataAndAlgorithm promises the parents' training image, but this job's differs: use the "
                "parent's image, or WarmStartType.TRANSFER_LEARNING",
            )


def _channels(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        channel["ChannelName"]: channel.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri")
        for channel in definition.get("InputDataConfig", [])
    }


@rule(
    "HPO-WARM-009",
    statement="With WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, a parent of this app reads the same channels from the "
    "same S3 URIs.",
    field="InputDataConfig",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobWarmStartConfig.WarmStartType: IdenticalDataAndAlgorithm uses the same input "
    "data and training image as the parents",
    subjects=RenderedJob,
)
def _identical_data(rendered: RenderedJob, finding: Finding) -> None:
    mine = _channels(_definition(rendered.properties[contract.PROP_REQUEST]))
    for where, parent in _identical_parents(rendered):
        theirs = _channels(_definition(parent.request))
        changed = sorted(
            name
            for name in set(mine) | set(theirs)
            if name not in mine or name not in theirs or _differ(rendered.job, mine[name], parent, theirs[name])
        )
        if changed:
            finding.fail(
                where,
                parent.node.path,
                f"IdenticalDataAndAlgorithm promises the parents' input data, but the channels {', '.join(changed)} "
                "differ from the parent's: read the same data, or use WarmStartType.TRANSFER_LEARNING",
            )


@rule(
    "HPO-WARM-010",
    statement="A warm start lists each parent once.",
    field="WarmStartConfig.ParentHyperParameterTuningJobs",
    source=Source.LIBRARY,
    reference="a repeated parent adds nothing; the list holds at most 5",
    subjects=JobSpec,
)
def _distinct_parents(job: JobSpec, finding: Finding) -> None:
    if job.warm_start is None:
        return
    seen: list[Any] = []
    for index, parent in enumerate(job.warm_start.parents):
        key = parent.lower() if isinstance(parent, str) and not is_unresolved(parent) else parent
        if any(key is other or (isinstance(key, str) and key == other) for other in seen):
            shown = parent if isinstance(parent, str) else parent.node.path
            finding.fail(f"warm_start.parents[{index}]", shown, "is listed twice: list each parent once")
        seen.append(key)
