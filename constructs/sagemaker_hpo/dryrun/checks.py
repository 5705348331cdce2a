"""The checks before any search: metric regexes on the program's real output, each range's ends, the budget.

1. A **baseline** trial (every range at its middle, a few epochs): each metric regex must match once per epoch.
2. One short trial at each range's **minimum and maximum** (every categorical value), the others at their middle:
   a crash is reported with the program's ``output/failure`` text, the ``FailureReason`` SageMaker would show.
3. The **budget** of the real job: the instance-hours ceiling (max jobs x instance count x max runtime), in dollars
   from the shipped on-demand price table (:mod:`.prices`), and the epochs Hyperband may spend; after the search, a
   warning when the runtime limit is far above what the trials needed here.

A failure that comes from this machine (:mod:`.environment`) is a setup problem, never a job that would fail, and
identical failures are reported once with how many trials they ended.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .environment import SetupProblem, problem_in_log
from .job import JobSpec
from .metrics import check_once_per_epoch
from .prices import instance_price
from .strategy import REDUCTION_FACTOR, rungs
from .trials import TrialRecord, TrialRunner

#: SageMaker's default ``MaxRuntimeInSeconds`` (and the construct's default ``max_runtime``): one day.
SAGEMAKER_DEFAULT_RUNTIME_SECONDS = 86400
#: How many times the longest local trial the runtime limit may be before the dry run warns.
RUNTIME_HEADROOM = 20

#: Epochs of the baseline trial (at least two, so "once per run" and "once per epoch" differ).
BASELINE_EPOCHS = 2


@dataclass(frozen=True)
class Finding:
    """One result of a check.

    :param check: ``metrics``, ``objective``, ``ranges``, ``budget``, ``program``, ``setup`` (this machine, not the
        job) or ``builtin``.
    :param severity: ``error`` (what would fail or mislead on SageMaker), ``warning`` or ``info``.
    :param message: what was found.
    :param details: example log lines or the failure text. Default: none.
    """

    check: str
    severity: str
    message: str
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The finding for ``report.json``."""
        return {"check": self.check, "severity": self.severity, "message": self.message, "details": list(self.details)}


@dataclass
class CheckResult:
    """Everything the checks found, and the trials they ran."""

    findings: list[Finding] = field(default_factory=list)
    trials: list[TrialRecord] = field(default_factory=list)
    budget: dict[str, Any] = field(default_factory=dict)
    setup: list[SetupProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity ``error``."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def search_possible(self) -> bool:
        """Whether a search makes sense: the baseline ran and its log carries the objective."""
        return not self.setup and not any(
            f.check in ("program", "objective") and f.severity == "error" for f in self.findings
        )


def center_hyperparameters(spec: JobSpec) -> dict[str, str]:
    """The static hyperparameters and every range at its middle."""
    return {**spec.static_hyperparameters, **{r.name: r.center() for r in spec.ranges}}


def with_epochs(spec: JobSpec, hyperparameters: dict[str, str], epochs: int | None) -> dict[str, str]:
    """``hyperparameters`` with the job's epochs hyperparameter set to ``epochs`` (when both exist)."""
    if epochs is None or spec.resource_hyperparameter is None:
        return hyperparameters
    return {**hyperparameters, spec.resource_hyperparameter: str(epochs)}


def check_epochs(spec: JobSpec) -> tuple[int | None, int | None]:
    """Epochs of the baseline and of each range-end trial (``None``: the job gives no epochs hyperparameter)."""
    if spec.resource_hyperparameter is None:
        return None, None
    short = max(1, spec.min_resource or 1)
    return max(BASELINE_EPOCHS, short), short


def plan_check_trials(spec: JobSpec) -> list[tuple[str, dict[str, str]]]:
    """The check trials: ``(label, hyperparameters)``, the baseline first."""
    baseline_epochs, short = check_epochs(spec)
    center = center_hyperparameters(spec)
    plan = [("baseline (every range at its middle)", with_epochs(spec, center, baseline_epochs))]
    for spec_range in spec.ranges:
        ends = spec_range.ends()
        for index, value in enumerate(ends):
            where = ("minimum" if index == 0 else "maximum") if spec_range.kind != "categorical" else "value"
            plan.append(
                (
                    f"{spec_range.name} at its {where} {value}",
                    with_epochs(spec, {**center, spec_range.name: value}, short),
                )
            )
    return plan


def budget(spec: JobSpec, max_jobs: int | None = None, price_per_hour: float | None = None) -> dict[str, Any]:
    """The real job's ceilings: instance hours (and dollars, on demand), and the epochs Hyperband may spend.

    :param max_jobs: the number of training jobs. Default: the job's ``MaxNumberOfTrainingJobs``.
    :param price_per_hour: US dollars per instance-hour. Default: the shipped price table's for the instance type.
    """
    jobs = max_jobs if max_jobs is not None else spec.max_jobs
    summary: dict[str, Any] = {
        "max_jobs": jobs,
        "max_parallel_jobs": spec.max_parallel_jobs,
        "instance_type": spec.instance_type,
        "instance_count": spec.instance_count,
        "max_runtime_seconds": spec.max_runtime_seconds,
    }
    if jobs is not None and spec.max_runtime_seconds is not None:
        hours = jobs * spec.instance_count * spec.max_runtime_seconds / 3600
        summary["instance_hours_ceiling"] = round(hours, 2)
        price = instance_price(spec.instance_type, price_per_hour)
        if price is not None:
            summary["price"] = price.as_dict()
            summary["cost_ceiling_usd"] = round(hours * price.per_hour, 2)
    if spec.strategy == "Hyperband" and spec.max_resource is not None and jobs is not None:
        stops = rungs(spec)
        summary["hyperband"] = {
            "min_resource": spec.min_resource,
            "max_resource": spec.max_resource,
            "rungs": stops,
            "epochs_ceiling": jobs * spec.max_resource,
            "epochs_if_a_third_continues_at_each_rung": _halving_epochs(jobs, stops, spec.max_resource),
        }
    elif spec.max_resource is not None and jobs is not None:
        summary["epochs_ceiling"] = jobs * spec.max_resource
    return summary


def _halving_epochs(jobs: int, stops: Sequence[int], max_resource: int) -> int:
    """Epochs spent when every trial reaches the first rung and 1/3 of those at each rung go on to the next."""
    total = 0.0
    previous = 0
    for k, rung in enumerate([*stops, max_resource]):
        total += jobs / REDUCTION_FACTOR**k * (rung - previous)
        previous = rung
    return int(math.ceil(total))


def _duration(seconds: float) -> str:
    """``86400`` -> ``1 day``, ``5400`` -> ``1.5 h``, ``90`` -> ``90 s``."""
    if seconds >= 86400 and seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" + ("s" if days > 1 else "")
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds:.0f} s"


def budget_findings(summary: dict[str, Any]) -> list[Finding]:
    """The budget as readable findings."""
    findings = []
    if "instance_hours_ceiling" in summary:
        cost = ""
        if "cost_ceiling_usd" in summary:
            price = summary["price"]
            when = f", {price['as_of']}" if price.get("as_of") else ""
            cost = (
                f" = ${summary['cost_ceiling_usd']:,.2f} on demand (${price['usd_per_instance_hour']:g}/h from "
                f"{price['source']}{when})"
            )
        elif summary.get("instance_type"):
            cost = f" (no price for {summary['instance_type']} in the shipped table: --price-per-hour gives one)"
        findings.append(
            Finding(
                "budget",
                "info",
                f"ceiling of the real job: {summary['max_jobs']} jobs x {summary['instance_count']} "
                f"{summary['instance_type']} x {summary['max_runtime_seconds']} s "
                f"({_duration(summary['max_runtime_seconds'])}) = {summary['instance_hours_ceiling']} instance-hours"
                + cost,
            )
        )
    if summary.get("max_runtime_seconds") == SAGEMAKER_DEFAULT_RUNTIME_SECONDS:
        findings.append(
            Finding(
                "budget",
                "warning",
                f"each training job may run {_duration(SAGEMAKER_DEFAULT_RUNTIME_SECONDS)} (MaxRuntimeInSeconds "
                f"{SAGEMAKER_DEFAULT_RUNTIME_SECONDS}, the default): the ceiling assumes every job runs that long; "
                "set the training's max_runtime to what one job needs, with a margin",
            )
        )
    hyperband = summary.get("hyperband")
    if hyperband:
        findings.append(
            Finding(
                "budget",
                "info",
                f"Hyperband budget: at most {hyperband['epochs_ceiling']} epochs ({summary['max_jobs']} jobs x "
                f"{hyperband['max_resource']}); stops possible at epochs {hyperband['rungs']}; about "
                f"{hyperband['epochs_if_a_third_continues_at_each_rung']} epochs if a third goes on at each rung",
            )
        )
    return findings


def full_run_seconds(record: TrialRecord, trials: Sequence[TrialRecord], max_epochs: int | None) -> float | None:
    """How long ``record``'s trial would have run for ``max_epochs`` epochs here: its start-up and first epoch, then
    the slowest per-epoch pace seen in any trial of two epochs or more (its own pace when none has)."""
    if not record.curve or record.started is None or record.ended is None:
        return None
    if not max_epochs or len(record.curve) >= max_epochs:
        return record.ended - record.started
    paces = [(t.curve[-1].seconds - t.curve[0].seconds) / (len(t.curve) - 1) for t in trials if len(t.curve) >= 2]
    first = record.curve[0].seconds - record.started
    if not paces:
        return (record.ended - record.started) / len(record.curve) * max_epochs
    return first + max(paces) * (max_epochs - 1)


def runtime_findings(summary: dict[str, Any], trials: Sequence[TrialRecord], max_epochs: int | None) -> list[Finding]:
    """A warning when the real job's runtime limit is far above what the longest local trial needed.

    The longest local trial, carried on to ``max_epochs`` when it stopped earlier (:func:`full_run_seconds`),
    estimates one job's run; instances differ from this machine, so only a limit :data:`RUNTIME_HEADROOM` times
    above that estimate (and of an hour or more) is flagged.
    """
    limit = summary.get("max_runtime_seconds")
    estimates = [seconds for record in trials if (seconds := full_run_seconds(record, trials, max_epochs))]
    if limit is None or not estimates:
        return []
    longest = max(estimates)
    if limit < 3600 or limit < RUNTIME_HEADROOM * longest:
        return []
    needed = summary["instance_hours_ceiling"] * longest / limit
    cost = ""
    if "cost_ceiling_usd" in summary:
        cost = f" (${summary['cost_ceiling_usd']:,.2f} vs about ${needed * summary['price']['usd_per_instance_hour']:,.2f})"
    return [
        Finding(
            "budget",
            "warning",
            f"the runtime limit of each training job ({_duration(limit)}) is {limit / longest:.0f}x what the longest "
            f"trial took here ({longest:.0f} s{f' for {max_epochs} epochs' if max_epochs else ''}): the ceiling of "
            f"{summary['instance_hours_ceiling']} instance-hours is far above the {needed:.2g} the search would need "
            f"at this machine's speed{cost}; set the training's max_runtime closer to a job's real time (with a margin "
            "for slower instances and start-up)",
        )
    ]


def run_checks(
    spec: JobSpec,
    runner: TrialRunner,
    *,
    parallel: int = 1,
    on_trial: Callable[[TrialRecord], None] | None = None,
) -> CheckResult:
    """Run the check trials (``parallel`` at a time) and turn what they printed into findings."""
    result = CheckResult(budget=budget(spec))
    result.findings.extend(budget_findings(result.budget))
    baseline_epochs, _ = check_epochs(spec)
    if spec.objective_definition() is None:
        result.findings.append(
            Finding("objective", "error", f"the objective metric {spec.objective_name} has no metric definition")
        )
        return result
    if spec.resource_hyperparameter is None:
        result.findings.append(
            Finding(
                "budget",
                "warning",
                "the job has no static epochs hyperparameter (epochs, num_epochs, ...): check trials run as long as "
                "the program decides",
            )
        )
    records = [
        TrialRecord(number, f"dryrun-check-{number:03d}", "check", label, hyperparameters, keep_log=number == 0)
        for number, (label, hyperparameters) in enumerate(plan_check_trials(spec))
    ]

    def run(record: TrialRecord) -> TrialRecord:
        runner.run(record)
        if on_trial is not None:
            on_trial(record)
        return record

    baseline = run(records[0])
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        others = list(pool.map(run, records[1:]))
    result.trials = [baseline, *others]
    result.findings.extend(failure_findings(result, runner))
    epochs = len(baseline.curve) if baseline.state == "completed" else None
    if baseline_epochs is not None:
        epochs = baseline_epochs
    if baseline.returncode == 0:
        for item in check_once_per_epoch(spec.metric_definitions, baseline.log, epochs or 1):
            is_objective = item.metric == spec.objective_name
            check = "objective" if is_objective and "never matches" in item.message else "metrics"
            result.findings.append(Finding(check, item.severity, f"metric {item.metric}: {item.message}", item.lines))
    for record in others:
        value = record.final_value
        if record.state == "completed" and value is not None and not math.isfinite(value):
            result.findings.append(
                Finding(
                    "ranges", "warning", f"{record.label}: the objective is {value} after {len(record.curve)} epochs"
                )
            )
    return result


def failure_reason(record: TrialRecord, lines: int = 5) -> str:
    """What a failed trial left: its ``output/failure`` text, else the last lines of its log."""
    return record.failure or "\n".join(record.tail[-lines:]) or "no output"


def failure_findings(result: CheckResult, runner: TrialRunner) -> list[Finding]:
    """The check trials' failures, each distinct one once with how many trials it ended.

    A failure that comes from this machine (a module missing in the runner's interpreter, a path under /opt/ml) is a
    setup problem (``setup``), never a job that would fail; the others are the baseline's (``program``: every
    training job would fail) or a range end's (``ranges``).
    """
    failed = [t for t in result.trials if t.state != "completed"]
    findings: list[Finding] = []
    setup: dict[str, tuple[SetupProblem, list[TrialRecord]]] = {}
    job: dict[str, list[TrialRecord]] = {}
    for record in failed:
        problem = problem_in_log("\n".join([record.failure or "", *record.tail]), runner.program)
        if problem is not None:
            setup.setdefault(problem.message, (problem, []))[1].append(record)
        else:
            job.setdefault(failure_reason(record), []).append(record)
    total = len(result.trials)
    for problem, records in setup.values():
        result.setup.append(problem)
        findings.append(
            Finding(
                "setup",
                "error",
                f"{len(records)} of {total} check trials failed because of this machine's setup, not the job: "
                f"{problem.message}. Fix: {problem.fix}",
                (failure_reason(records[0], 1),),
            )
        )
    for reason, records in job.items():
        baseline = next((r for r in records if r.label.startswith("baseline")), None)
        if baseline is not None:
            same = f" (and {len(records) - 1} other check trials the same way)" if len(records) > 1 else ""
            findings.append(
                Finding(
                    "program",
                    "error",
                    f"the baseline trial failed (exit code {baseline.returncode}){same}: every training job would fail",
                    (reason,),
                )
            )
        elif len(records) == 1:
            findings.append(
                Finding(
                    "ranges",
                    "error",
                    f"{records[0].label}: the training job fails (exit code {records[0].returncode}); SageMaker's "
                    f"FailureReason would read: {reason}",
                )
            )
        else:
            findings.append(
                Finding(
                    "ranges",
                    "error",
                    f"{len(records)} range-end trials fail the same way ({'; '.join(r.label for r in records)}), "
                    f"exit code {records[0].returncode}; SageMaker's FailureReason would read: {reason}",
                )
            )
    return findings
