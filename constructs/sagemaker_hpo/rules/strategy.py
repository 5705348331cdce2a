"""HPO-STRATEGY: Hyperband's resources and job limit, Grid search, discrete search spaces, warm start with Hyperband."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._validation import is_unresolved
from ..strategy import EPOCH_HYPERPARAMETERS, HYPERBAND_MAX_RESOURCE_LIMIT, HYPERBAND_MAX_TRAINING_JOBS, Hyperband
from . import service_model as model
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec


def combinations(ranges: Sequence[Any]) -> int | None:
    """The number of points of an all-discrete search space; ``None`` when a range is continuous or a token."""
    from ..ranges import ContinuousRange

    total = 1
    for parameter_range in ranges:
        if isinstance(parameter_range, ContinuousRange):
            return None
        if is_unresolved(getattr(parameter_range, "min_value", 0)) or is_unresolved(
            getattr(parameter_range, "max_value", 0)
        ):
            return None
        total *= max(parameter_range.cardinality, 0)
    return total


def _hyperband(job: JobSpec) -> Any:
    return job.strategy if isinstance(job.strategy, Hyperband) else None


def _inferred_epochs(job: JobSpec) -> list[tuple[str, str]]:
    return [(n, job.static_hyperparameters[n]) for n in EPOCH_HYPERPARAMETERS if n in job.static_hyperparameters]


@rule(
    "HPO-STRATEGY-001",
    statement="Hyperband's min_resource is an integer of at least 1.",
    field="StrategyConfig.HyperbandStrategyConfig.MinResource",
    source=Source.SERVICE_MODEL,
    reference="shape HyperbandStrategyMinResource (min 1)",
    subjects=JobSpec,
)
def _min_resource(job: JobSpec, finding: Finding) -> None:
    if (hyperband := _hyperband(job)) is not None:
        name = "HyperbandStrategyMinResource"
        finding.int_between("strategy.min_resource", hyperband.min_resource, model.minimum(name), model.maximum(name))


@rule(
    "HPO-STRATEGY-002",
    statement="Hyperband's max_resource is an integer from 1 to 20,000.",
    field="StrategyConfig.HyperbandStrategyConfig.MaxResource",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig: MaxResource at most 20000",
    subjects=JobSpec,
)
def _max_resource(job: JobSpec, finding: Finding) -> None:
    if (hyperband := _hyperband(job)) is not None:
        minimum = model.minimum("HyperbandStrategyMaxResource")
        finding.int_between("strategy.max_resource", hyperband.max_resource, minimum, HYPERBAND_MAX_RESOURCE_LIMIT)


@rule(
    "HPO-STRATEGY-003",
    statement="Hyperband's min_resource is at most max_resource.",
    field="StrategyConfig.HyperbandStrategyConfig.MinResource",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig",
    subjects=JobSpec,
)
def _min_below_max(job: JobSpec, finding: Finding) -> None:
    hyperband = _hyperband(job)
    if hyperband is None or hyperband.max_resource is None:
        return
    if not is_unresolved(hyperband.min_resource) and not is_unresolved(hyperband.max_resource):
        finding.require(
            hyperband.min_resource <= hyperband.max_resource,
            "strategy.min_resource",
            hyperband.min_resource,
            f"must be <= max_resource ({hyperband.max_resource})",
        )


@rule(
    "HPO-STRATEGY-004",
    statement="Without max_resource, Hyperband needs a static hyperparameter epochs, numepochs, n-epochs, n_epochs or "
    "num_epochs to infer it from.",
    field="StrategyConfig.HyperbandStrategyConfig.MaxResource",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig: MaxResource is inferred from an epochs hyperparameter when absent",
    subjects=JobSpec,
)
def _max_resource_inferable(job: JobSpec, finding: Finding) -> None:
    hyperband = _hyperband(job)
    if hyperband is not None and hyperband.max_resource is None:
        finding.require(
            bool(_inferred_epochs(job)),
            "strategy.max_resource",
            None,
            "Hyperband needs max_resource, or a static hyperparameter from which SageMaker infers it: one of "
            + ", ".join(EPOCH_HYPERPARAMETERS),
        )


@rule(
    "HPO-STRATEGY-005",
    statement="A static epochs hyperparameter that Hyperband infers max_resource from is a whole number from 1 to "
    "20,000.",
    field="TrainingJobDefinition.StaticHyperParameters",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig: the inferred MaxResource obeys MaxResource's range",
    subjects=JobSpec,
)
def _epochs_value(job: JobSpec, finding: Finding) -> None:
    hyperband = _hyperband(job)
    if hyperband is None or hyperband.max_resource is not None:
        return
    for name, value in _inferred_epochs(job):
        if is_unresolved(value):
            continue
        finding.require(
            value.isdigit() and 1 <= int(value) <= HYPERBAND_MAX_RESOURCE_LIMIT,
            f"training.static_hyperparameters[{name!r}]",
            value,
            f"Hyperband infers max_resource from it: must be a whole number from 1 to {HYPERBAND_MAX_RESOURCE_LIMIT}",
        )


@rule(
    "HPO-STRATEGY-006",
    statement="Hyperband's min_resource is at most the max_resource inferred from the epochs hyperparameter.",
    field="StrategyConfig.HyperbandStrategyConfig.MinResource",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig",
    subjects=JobSpec,
)
def _min_below_inferred(job: JobSpec, finding: Finding) -> None:
    hyperband = _hyperband(job)
    if hyperband is None or hyperband.max_resource is not None or is_unresolved(hyperband.min_resource):
        return
    for name, value in _inferred_epochs(job):
        if value.isdigit():
            finding.require(
                hyperband.min_resource <= int(value),
                "strategy.min_resource",
                hyperband.min_resource,
                f"must be <= the max_resource SageMaker infers from the static hyperparameter {name} ({value})",
            )


@rule(
    "HPO-STRATEGY-007",
    statement="Hyperband runs at most 750 training jobs.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.SERVICE_LIMITS,
    reference="Hyperband: MaxNumberOfTrainingJobs at most 750",
    subjects=JobSpec,
)
def _hyperband_max_jobs(job: JobSpec, finding: Finding) -> None:
    if _hyperband(job) is not None:
        finding.int_between("max_jobs", job.max_jobs, 1, HYPERBAND_MAX_TRAINING_JOBS)


@rule(
    "HPO-STRATEGY-008",
    statement="GridSearch takes categorical ranges only.",
    field="ParameterRanges",
    source=Source.API_REFERENCE,
    reference="HyperParameterTuningJobConfig: the Grid strategy needs categorical ranges",
    subjects=JobSpec,
)
def _grid_categorical(job: JobSpec, finding: Finding) -> None:
    from ..ranges import CategoricalRange

    if job.strategy.is_grid:
        for index, parameter_range in enumerate(job.parameter_ranges):
            finding.require(
                isinstance(parameter_range, CategoricalRange),
                f"parameter_ranges[{index}] ({parameter_range.name})",
                type(parameter_range).__name__,
                "GridSearch takes categorical ranges only",
            )


@rule(
    "HPO-STRATEGY-009",
    statement="With GridSearch, max_jobs is left out or equals the number of combinations.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.API_REFERENCE,
    reference="ResourceLimits: with Grid, MaxNumberOfTrainingJobs equals the number of combinations if given",
    subjects=JobSpec,
)
def _grid_max_jobs(job: JobSpec, finding: Finding) -> None:
    if not job.strategy.is_grid or job.max_jobs is None or is_unresolved(job.max_jobs):
        return
    total = combinations(job.parameter_ranges)
    if total is not None:
        finding.require(
            job.max_jobs == total,
            "max_jobs",
            job.max_jobs,
            f"with GridSearch must equal the number of combinations ({total}) or be left out",
        )


@rule(
    "HPO-STRATEGY-010",
    statement="On an all-discrete search space, max_jobs is at most the number of combinations.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.API_REFERENCE,
    reference="CreateHyperParameterTuningJob: the search space must hold MaxNumberOfTrainingJobs points",
    subjects=JobSpec,
)
def _discrete_space(job: JobSpec, finding: Finding) -> None:
    if job.strategy.is_grid or job.max_jobs is None or is_unresolved(job.max_jobs) or not job.parameter_ranges:
        return  # no ranges: Autotune chooses them
    total = combinations(job.parameter_ranges)
    if total is not None:
        finding.require(
            job.max_jobs <= total,
            "max_jobs",
            job.max_jobs,
            f"must not exceed the {total} combinations of an all-discrete search space",
        )


@rule(
    "HPO-STRATEGY-011",
    statement="Hyperband's early stopping does not use warm-start parents' results.",
    field="WarmStartConfig",
    source=Source.API_REFERENCE,
    reference="HyperbandStrategyConfig / warm start",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _hyperband_warm_start(job: JobSpec, finding: Finding) -> None:
    if _hyperband(job) is not None and job.warm_start is not None:
        finding.warn("warm_start with Hyperband: Hyperband's early stopping does not use the parents' results")
