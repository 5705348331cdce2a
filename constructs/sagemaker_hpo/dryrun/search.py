"""The search: an Optuna study of the job's strategy whose trials are runs of the job's own program.

Trials run ``parallel`` at a time (threads that each wait on one program). Every objective value read from a trial's
log is reported to Optuna as that epoch's intermediate value; when the pruner says stop (Hyperband's successive
halving, or the median rule of early stopping ``Auto``), the trial's process group is ended at once. The search
ends after ``max_jobs`` trials, when the time budget is spent (running trials are stopped), or, with
``stop_at_target``, when a trial reaches the target as SageMaker's completion criteria would.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .extras import require
from .job import JobSpec
from .strategy import distributions, grid_size, hyperparameters_from_params, pruner, sampler, seed_rung_trial
from .trials import EpochValue, TrialRecord, TrialRunner

#: Stop reasons recorded on trials.
STOPPED_BY_STRATEGY = "stopped by the strategy"
STOPPED_BY_BUDGET = "time budget spent"
STOPPED_AT_TARGET = "target reached (completion criteria)"


@dataclass(frozen=True)
class SearchSettings:
    """How long and how wide the search runs.

    :param max_jobs: trials to run. Default: the job's ``MaxNumberOfTrainingJobs`` (Grid: every combination).
    :param parallel: trials at a time. Default: 1.
    :param max_epochs: the epochs hyperparameter (and Hyperband's ``MaxResource``) for this run. Default: the job's.
    :param time_budget: seconds after which running trials are stopped and no new one starts. Default: no limit.
    :param seed: the sampler's seed. Default: 0.
    :param target: the objective value to measure the time to. Default: the job's ``TargetObjectiveMetricValue``.
    :param stop_at_target: end the search once a trial reaches ``target`` (SageMaker's completion criteria).
        Default: False.
    """

    max_jobs: int | None = None
    parallel: int = 1
    max_epochs: int | None = None
    time_budget: float | None = None
    seed: int = 0
    target: float | None = None
    stop_at_target: bool = False


@dataclass
class SearchResult:
    """The search's trials and how it ended."""

    trials: list[TrialRecord] = field(default_factory=list)
    seeded_rung_values: list[float] = field(default_factory=list)
    ended_by: str = "max jobs"
    seconds: float = 0.0


def effective_spec(spec: JobSpec, settings: SearchSettings) -> JobSpec:
    """The job with ``--max-epochs`` applied to its epochs hyperparameter and ``MaxResource``."""
    if settings.max_epochs is None or spec.resource_hyperparameter is None:
        return spec
    static = {**spec.static_hyperparameters, spec.resource_hyperparameter: str(settings.max_epochs)}
    min_resource = spec.min_resource if spec.min_resource is None else min(spec.min_resource, settings.max_epochs)
    return replace(spec, static_hyperparameters=static, max_resource=settings.max_epochs, min_resource=min_resource)


def planned_jobs(spec: JobSpec, settings: SearchSettings) -> int:
    """How many trials the search runs at most."""
    if spec.strategy == "Grid":
        size = grid_size(spec.ranges)
        return min(size, settings.max_jobs) if settings.max_jobs is not None else size
    jobs = settings.max_jobs if settings.max_jobs is not None else spec.max_jobs
    return jobs if jobs is not None else 10


def _suggest(trial: Any, name: str, dist: Any) -> Any:
    optuna = require("optuna")
    if isinstance(dist, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, optuna.distributions.IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


def run_search(
    spec: JobSpec,
    runner: TrialRunner,
    settings: SearchSettings,
    *,
    seed_values: Sequence[float] = (),
    on_event: Callable[[str, TrialRecord, EpochValue | None], None] | None = None,
) -> SearchResult:
    """Run the study and return every trial.

    :param spec: the job, with overrides applied (:func:`effective_spec`).
    :param runner: starts the trials.
    :param seed_values: first-rung objective values (of the check trials) given to Hyperband's rungs, so that early
        trials of a sequential run have competitors too. Default: none.
    :param on_event: progress callback: ``("start" | "epoch" | "end", record, value)``.
    """
    optuna = require("optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        direction="maximize" if spec.maximize else "minimize", sampler=sampler(spec, settings.seed), pruner=pruner(spec)
    )
    result = SearchResult()
    if spec.strategy == "Hyperband":
        for value in seed_values:
            if math.isfinite(value):
                study.add_trial(seed_rung_trial(value))
                result.seeded_rung_values.append(value)
    dists = distributions(spec.ranges)
    lock = threading.Lock()
    finished = threading.Event()
    target = settings.target if settings.target is not None else spec.target_value
    ended_by: list[str] = []
    started_at = runner.clock()

    def end(reason: str) -> None:
        with lock:
            if ended_by:
                return
            ended_by.append(reason)
        runner.stop_all(reason)  # the study itself stops in stop_when_ended (Optuna's stop() runs in callbacks only)

    def watchdog() -> None:
        if settings.time_budget is None:
            return
        if not finished.wait(max(0.0, started_at + settings.time_budget - runner.clock())):
            end(STOPPED_BY_BUDGET)

    def objective(trial: Any) -> float:
        params = {name: _suggest(trial, name, dist) for name, dist in dists.items()}
        hyperparameters = {**spec.static_hyperparameters, **hyperparameters_from_params(spec.ranges, params)}
        with lock:
            number = len(result.trials)
            record = TrialRecord(number, f"dryrun-{number:03d}", "search", f"trial {number}", hyperparameters)
            result.trials.append(record)
        if ended_by:
            record.state, record.stop_reason = "not started", ended_by[0]
            raise optuna.TrialPruned()
        if on_event is not None:
            on_event("start", record, None)

        def on_value(rec: TrialRecord, point: EpochValue) -> str | None:
            if on_event is not None:
                on_event("epoch", rec, point)
            if not math.isfinite(point.value):
                return None
            if settings.stop_at_target and target is not None and _reaches(point.value, target, spec.maximize):
                threading.Thread(target=end, args=(STOPPED_AT_TARGET,), daemon=True).start()
                return None
            trial.report(point.value, point.epoch)
            if trial.should_prune():
                return STOPPED_BY_STRATEGY
            return None

        runner.run(record, on_value)
        if on_event is not None:
            on_event("end", record, None)
        if record.state == "stopped" or record.stop_reason:
            raise optuna.TrialPruned()
        if record.state != "completed" or record.final_value is None:
            return math.nan  # Optuna marks the trial failed, as SageMaker does the training job
        return record.final_value

    def stop_when_ended(study: Any, _trial: Any) -> None:
        if ended_by:
            study.stop()

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    try:
        study.optimize(
            objective,
            n_trials=planned_jobs(spec, settings),
            n_jobs=max(1, settings.parallel),
            timeout=settings.time_budget,
            catch=(),
            callbacks=[stop_when_ended],
        )
    finally:
        finished.set()
        guard.join()
    result.ended_by = ended_by[0] if ended_by else ("every grid point" if spec.strategy == "Grid" else "max jobs")
    result.seconds = runner.clock() - started_at
    result.trials = [t for t in result.trials if t.state != "not started"]
    return result


def _reaches(value: float, target: float, maximize: bool) -> bool:
    return value >= target if maximize else value <= target
