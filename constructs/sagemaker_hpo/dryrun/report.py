"""The dry run's results: ``report.json``, ``plot.png`` (objective vs wall clock per trial) and the console summary."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import CheckResult
from .extras import require
from .job import JobSpec
from .search import SearchResult, SearchSettings
from .trials import TrialRecord


@dataclass(frozen=True)
class TargetReached:
    """When the search first reached a target objective value.

    :param seconds: wall clock since the search started.
    :param epochs: epochs run by all trials up to then.
    :param trial: the number of the trial that reached it.
    """

    seconds: float
    epochs: int
    trial: int


def time_to_target(trials: Sequence[TrialRecord], target: float, maximize: bool) -> TargetReached | None:
    """The first moment any trial's objective reached ``target``, and the epochs all trials had run by then."""
    events = sorted((point.seconds, record.number, point.value) for record in trials for point in record.curve)
    for index, (seconds, number, value) in enumerate(events):
        if math.isfinite(value) and (value >= target if maximize else value <= target):
            return TargetReached(seconds, index + 1, number)
    return None


def best_trial(trials: Sequence[TrialRecord], maximize: bool) -> TrialRecord | None:
    """The trial with the best final objective value (stopped trials count with their last value, as on SageMaker)."""
    scored = [t for t in trials if t.final_value is not None and math.isfinite(t.final_value)]
    if not scored:
        return None
    return (max if maximize else min)(scored, key=lambda t: t.final_value or 0.0)


def build_report(
    spec: JobSpec,
    settings: SearchSettings,
    checks: CheckResult,
    search: SearchResult | None,
    *,
    runner: str,
    source: dict[str, Any],
) -> dict[str, Any]:
    """Everything the dry run found, as ``report.json`` holds it."""
    report: dict[str, Any] = {
        "job": {
            "path": spec.path,
            "strategy": spec.strategy,
            "objective": {"metric": spec.objective_name, "type": spec.objective_type},
            "ranges": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "min": r.min_value,
                    "max": r.max_value,
                    "values": list(r.values),
                    "scaling": r.scaling,
                }
                for r in spec.ranges
            ],
            "static_hyperparameters": dict(spec.static_hyperparameters),
            "min_resource": spec.min_resource,
            "max_resource": spec.max_resource,
            "target_value": spec.target_value,
        },
        "program": {"runner": runner, **source},
        "settings": {
            "max_jobs": settings.max_jobs,
            "parallel": settings.parallel,
            "max_epochs": settings.max_epochs,
            "time_budget_seconds": settings.time_budget,
            "seed": settings.seed,
            "target": settings.target,
            "stop_at_target": settings.stop_at_target,
        },
        "checks": {
            "findings": [f.as_dict() for f in checks.findings],
            "budget": checks.budget,
            "trials": [t.as_dict() for t in checks.trials],
        },
        "search": None,
    }
    if search is None:
        return report
    target = settings.target if settings.target is not None else spec.target_value
    best = best_trial(search.trials, spec.maximize)
    reached = time_to_target(search.trials, target, spec.maximize) if target is not None else None
    stopped = [t for t in search.trials if t.state == "stopped"]
    report["search"] = {
        "ended_by": search.ended_by,
        "seconds": round(search.seconds, 2),
        "trials_run": len(search.trials),
        "epochs_run": sum(len(t.curve) for t in search.trials),
        "stopped_trials": [t.number for t in stopped],
        "stop_decisions": [
            {"trial": t.number, "epoch": len(t.curve), "seconds": t.ended, "reason": t.stop_reason, "pid": t.pid}
            for t in stopped
        ],
        "failed_trials": [t.number for t in search.trials if t.state == "failed"],
        "seeded_first_rung_values": search.seeded_rung_values,
        "best": None
        if best is None
        else {"trial": best.number, "objective": best.final_value, "hyperparameters": best.hyperparameters},
        "target": None
        if target is None
        else {
            "value": target,
            "reached": reached is not None,
            "seconds": None if reached is None else round(reached.seconds, 2),
            "epochs": None if reached is None else reached.epochs,
            "trial": None if reached is None else reached.trial,
        },
        "trials": [t.as_dict() for t in search.trials],
    }
    return report


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write ``report.json`` (non-finite numbers as strings, so any JSON reader takes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(report), indent=2) + "\n", encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def plot_trials(axes: Any, trials: Sequence[TrialRecord], *, target: float | None = None, title: str = "") -> None:
    """Objective vs wall clock, one line per trial; a cross where a trial was stopped, a dot where one failed."""
    for record in trials:
        if not record.curve:
            continue
        xs = [p.seconds for p in record.curve]
        ys = [p.value if math.isfinite(p.value) else math.nan for p in record.curve]
        (line,) = axes.plot(xs, ys, linewidth=1, alpha=0.8)
        if record.state == "stopped":
            axes.plot(xs[-1], ys[-1], marker="x", color=line.get_color(), markersize=7)
        elif record.state == "failed":
            axes.plot(xs[-1], ys[-1], marker="o", color=line.get_color(), markersize=5)
    if target is not None:
        axes.axhline(target, color="grey", linestyle="--", linewidth=1)
    axes.set_xlabel("wall clock since the search started (s)")
    axes.set_title(title, fontsize=9)
    axes.grid(alpha=0.3)


def write_plot(spec: JobSpec, search: SearchResult, target: float | None, path: Path) -> None:
    """``plot.png``: the search's trials, stopped trials marked with a cross."""
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    pyplot = require("matplotlib.pyplot")
    figure, axes = pyplot.subplots(figsize=(8, 4.5))
    plot_trials(
        axes,
        search.trials,
        target=target,
        title=f"{spec.path} ({spec.strategy}): x = stopped, o = failed, dashed = target",
    )
    axes.set_ylabel(spec.objective_name)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The console summary of a report."""
    lines: list[str] = []
    search = report.get("search")
    if search is None:
        lines.append("no search ran")
        return lines
    lines.append(
        f"{search['trials_run']} trials, {search['epochs_run']} epochs in {search['seconds']} s "
        f"(ended by: {search['ended_by']}); stopped: {len(search['stopped_trials'])}, "
        f"failed: {len(search['failed_trials'])}"
    )
    best = search.get("best")
    if best:
        shown = ", ".join(f"{k}={v}" for k, v in best["hyperparameters"].items())
        lines.append(
            f"best: trial {best['trial']}, {report['job']['objective']['metric']} = {best['objective']:.6g} ({shown})"
        )
    target = search.get("target")
    if target:
        if target["reached"]:
            lines.append(
                f"target {target['value']} reached after {target['seconds']} s and {target['epochs']} epochs "
                f"(trial {target['trial']})"
            )
        else:
            lines.append(f"target {target['value']} not reached")
    return lines
