"""The search: an Optuna study of the job's strategy whose trials are runs of the job's own program.

Trials run ``parallel`` at a time (threads that each wait on one program). Every objective value read from a trial's
log is reported to Optuna as that epoch's intermediate value; when the pruner says stop (Hyperband's successive
halving, or the median rule of early stopping ``Auto``), the trial's process group is ended at once. The search
ends after ``max_jobs`` trials, when the time budget is spent (running trials are stopped), or, with
``stop_at_target``, when a trial reaches the target as SageMaker's completion criteria would.

With an epoch budget the schedule is decided by epochs, not by which process finishes first: ``slots`` trials are
in flight on a simulated clock that advances one epoch at a time; at each tick every trial in flight trains one
epoch, their values are taken in trial-number order (reported to the pruner, counted against the budget), trials
that ended free their slots and new trials are sampled into them. The programs run ``parallel`` at a time, each
paused once it is an epoch ahead of the schedule (:class:`~.trials.TrialFeed`), so the same job, strategy, seed and
budget give the same trials, stops and epochs whatever the machine's load and ``parallel``.
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
from .trials import EpochValue, TrialFeed, TrialRecord, TrialRunner

#: Stop reasons recorded on trials.
STOPPED_BY_STRATEGY = "stopped by the strategy"
STOPPED_BY_BUDGET = "time budget spent"
STOPPED_AT_TARGET = "target reached (completion criteria)"
STOPPED_BY_EPOCH_BUDGET = "epoch budget spent"


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
    :param epoch_budget: the epochs all trials together may train; the schedule is then decided by epochs on a
        simulated clock and the search is deterministic (unless ``time_budget`` ends it first). Default: no epoch
        budget (trials are scheduled by the wall clock, as they finish).
    :param slots: trials in flight at a time on the epoch schedule (SageMaker's ``MaxParallelTrainingJobs``; not
        ``parallel``, which only says how many programs compute at once on this machine). Default: the job's
        ``MaxParallelTrainingJobs``.
    """

    max_jobs: int | None = None
    parallel: int = 1
    max_epochs: int | None = None
    time_budget: float | None = None
    seed: int = 0
    target: float | None = None
    stop_at_target: bool = False
    epoch_budget: int | None = None
    slots: int | None = None

    def schedule_slots(self, spec: JobSpec) -> int:
        """Trials in flight at a time on the epoch schedule."""
        return max(1, self.slots if self.slots is not None else spec.max_parallel_jobs)


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
    if settings.epoch_budget is not None:
        return _run_by_epochs(spec, runner, settings, study, result, on_event)
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


@dataclass
class _InFlight:
    """A trial on the epoch schedule: its Optuna trial, its feed and the value of the epoch it is training."""

    trial: Any
    feed: TrialFeed
    value: float = math.nan


def _run_by_epochs(
    spec: JobSpec,
    runner: TrialRunner,
    settings: SearchSettings,
    study: Any,
    result: SearchResult,
    on_event: Callable[[str, TrialRecord, EpochValue | None], None] | None,
) -> SearchResult:
    """The search on the epoch schedule (see the module's docstring)."""
    optuna = require("optuna")
    assert settings.epoch_budget is not None
    budget = settings.epoch_budget
    slots = settings.schedule_slots(spec)
    planned = planned_jobs(spec, settings)
    dists = distributions(spec.ranges)
    target = settings.target if settings.target is not None else spec.target_value
    workers = threading.Semaphore(max(1, settings.parallel))
    started_at = runner.clock()
    flying: list[_InFlight] = []
    spent = 0
    clock = 0
    ended_by: str | None = None

    def start() -> _InFlight:
        trial = study.ask()
        params = {name: _suggest(trial, name, dist) for name, dist in dists.items()}
        hyperparameters = {**spec.static_hyperparameters, **hyperparameters_from_params(spec.ranges, params)}
        number = len(result.trials)
        record = TrialRecord(number, f"dryrun-{number:03d}", "search", f"trial {number}", hyperparameters)
        result.trials.append(record)
        if on_event is not None:
            on_event("start", record, None)
        return _InFlight(trial, runner.feed(record, workers))

    def conclude(item: _InFlight, stop_reason: str | None = None) -> None:
        record = item.feed.record
        if stop_reason is not None:
            item.feed.stop(stop_reason)
        else:
            item.feed.finish()
        if record.state == "completed" and record.final_value is not None and math.isfinite(record.final_value):
            study.tell(item.trial, record.final_value)
        elif record.state == "stopped":
            study.tell(item.trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(item.trial, state=optuna.trial.TrialState.FAIL)
        if on_event is not None:
            on_event("end", record, None)

    try:
        while True:
            if settings.time_budget is not None and runner.clock() - started_at >= settings.time_budget:
                ended_by = ended_by or STOPPED_BY_BUDGET
            if spent >= budget:
                ended_by = ended_by or STOPPED_BY_EPOCH_BUDGET
            if ended_by is not None:
                break
            # Each trial in flight trains its next epoch; a trial whose program ended frees its slot.
            still: list[_InFlight] = []
            for item in flying:
                value = item.feed.next()
                if value is None:
                    conclude(item)
                else:
                    item.value = value
                    still.append(item)
            flying = still
            while len(flying) < slots and len(result.trials) < planned:
                item = start()
                value = item.feed.next()
                if value is None:
                    conclude(item)
                    continue
                item.value = value
                flying.append(item)
            if not flying:
                break
            clock += 1
            still = []
            for index, item in enumerate(flying):
                if spent >= budget or ended_by is not None:
                    still.extend(flying[index:])  # stopped at the top of the next tick
                    break
                spent += 1
                record = item.feed.record
                point = EpochValue(len(record.curve) + 1, runner.clock(), item.value, clock)
                record.curve.append(point)
                if on_event is not None:
                    on_event("epoch", record, point)
                if not math.isfinite(point.value):
                    still.append(item)
                    continue
                if settings.stop_at_target and target is not None and _reaches(point.value, target, spec.maximize):
                    ended_by = STOPPED_AT_TARGET
                item.trial.report(point.value, point.epoch)
                if ended_by is None and item.trial.should_prune():
                    conclude(item, STOPPED_BY_STRATEGY)
                else:
                    still.append(item)
            flying = still
    finally:
        for item in flying:
            conclude(item, ended_by or STOPPED_BY_BUDGET)
    if ended_by is None:
        ended_by = "every grid point" if spec.strategy == "Grid" else "max jobs"
    result.ended_by = ended_by
    result.seconds = runner.clock() - started_at
    return result
