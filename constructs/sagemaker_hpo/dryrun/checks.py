"""The checks before any search: metric regexes on the program's real output, each range's ends, the budget.

1. A **baseline** trial (every range at its middle, a few epochs): each metric regex must match once per epoch.
2. One short trial at each range's **minimum and maximum** (every categorical value), the others at their middle:
   a crash is reported with the program's ``output/failure`` text, the ``FailureReason`` SageMaker would show.
3. The **budget** of the real job: the instance-hours ceiling (max jobs x instance count x max runtime) and the epochs
   Hyperband may spend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .job import JobSpec
from .metrics import check_once_per_epoch
from .strategy import REDUCTION_FACTOR, rungs
from .trials import TrialRecord, TrialRunner

#: Epochs of the baseline trial (at least two, so "once per run" and "once per epoch" differ).
BASELINE_EPOCHS = 2


@dataclass(frozen=True)
class Finding:
    """One result of a check.

    :param check: ``metrics``, ``ranges``, ``budget``, ``program`` or ``builtin``.
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

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity ``error``."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def search_possible(self) -> bool:
        """Whether a search makes sense: the baseline ran and its log carries the objective."""
        return not any(f.check in ("program", "objective") and f.severity == "error" for f in self.findings)


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


def budget(spec: JobSpec, max_jobs: int | None = None) -> dict[str, Any]:
    """The real job's ceilings: instance hours, and the epochs Hyperband may spend.

    :param max_jobs: the number of training jobs. Default: the job's ``MaxNumberOfTrainingJobs``.
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
        summary["instance_hours_ceiling"] = round(jobs * spec.instance_count * spec.max_runtime_seconds / 3600, 2)
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


def budget_findings(summary: dict[str, Any]) -> list[Finding]:
    """The budget as readable findings."""
    findings = []
    if "instance_hours_ceiling" in summary:
        findings.append(
            Finding(
                "budget",
                "info",
                f"instance-hours ceiling of the real job: {summary['max_jobs']} jobs x {summary['instance_count']} "
                f"{summary['instance_type']} x {summary['max_runtime_seconds']} s = {summary['instance_hours_ceiling']} h",
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
    if baseline.state != "completed":
        reason = baseline.failure or "\n".join(baseline.tail[-5:])
        result.findings.append(
            Finding(
                "program",
                "error",
                f"the baseline trial failed (exit code {baseline.returncode}): every training job would fail",
                (reason,),
            )
        )
    epochs = len(baseline.curve) if baseline.state == "completed" else None
    if baseline_epochs is not None:
        epochs = baseline_epochs
    if baseline.returncode == 0:
        for item in check_once_per_epoch(spec.metric_definitions, baseline.log, epochs or 1):
            is_objective = item.metric == spec.objective_name
            check = "objective" if is_objective and "never matches" in item.message else "metrics"
            result.findings.append(Finding(check, item.severity, f"metric {item.metric}: {item.message}", item.lines))
    for record in others:
        if record.state == "completed":
            value = record.final_value
            if value is not None and not math.isfinite(value):
                result.findings.append(
                    Finding(
                        "ranges",
                        "warning",
                        f"{record.label}: the objective is {value} after {len(record.curve)} epochs",
                    )
                )
            continue
        reason = record.failure or "\n".join(record.tail[-3:]) or "no output"
        result.findings.append(
            Finding(
                "ranges",
                "error",
                f"{record.label}: the training job fails (exit code {record.returncode}); SageMaker's FailureReason "
                f"would read: {reason}",
            )
        )
    return result
