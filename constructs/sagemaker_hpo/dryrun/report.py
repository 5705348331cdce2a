"""The dry run's results: ``report.json``, ``plot.png`` and the console summary.

``plot.png`` supports picking a configuration: the objective against the epoch (Hyperband's resource) for every
trial, stopped trials dashed and grey, the best trial (by SageMaker's final objective, :mod:`.ranking`) thick and
labelled with its hyperparameters; beside it the best objective so far against time. The summary and
``report.json`` hold the table of top configurations.
"""

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
from .ranking import TOP_ROWS, best_epoch, best_trial, final_objective, objective_text, ranked, top_configurations
from .search import SearchResult, SearchSettings
from .trials import EpochValue, TrialRecord

__all__ = [
    "TargetReached",
    "best_trial",
    "build_report",
    "plot_figure",
    "plot_trials",
    "summary_lines",
    "time_to_target",
    "write_plot",
    "write_report",
]

#: How ``report.json`` and the summary define the best trial (:mod:`.ranking`).
BEST_DEFINITION = (
    "SageMaker's final objective value: each trial's last objective value (a stopped trial's value at its stop); "
    "the trial's best single epoch is given beside it"
)


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
            "setup_problems": [p.as_dict() for p in checks.setup],
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
        "best": None if best is None else _best_dict(best, spec),
        "best_definition": BEST_DEFINITION,
        "top_configurations": [
            row.as_dict() for row in top_configurations(search.trials, [r.name for r in spec.ranges], spec.maximize)
        ],
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


def _best_dict(best: TrialRecord, spec: JobSpec) -> dict[str, Any]:
    """The best trial for ``report.json``: final objective, best epoch beside it, epochs really run."""
    point = best_epoch(best, spec.maximize)
    return {
        "trial": best.number,
        "objective": final_objective(best),
        "best_epoch_value": point.value if point else None,
        "best_epoch": point.epoch if point else None,
        "epochs": len(best.curve),
        "max_epochs": spec.max_resource,
        "state": best.state,
        "stop_reason": best.stop_reason,
        "hyperparameters": best.hyperparameters,
        "tuned_hyperparameters": {
            r.name: best.hyperparameters[r.name] for r in spec.ranges if r.name in best.hyperparameters
        },
    }


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


#: Colours of the plot: finished trials, trials the strategy stopped, trials the time budget cut, failed ones, the best.
COLORS = {"completed": "#3b75af", "stopped": "#9a9a9a", "budget": "#8e6bbf", "failed": "#c0392b", "best": "#e67e22"}


def value_limits(trials: Sequence[TrialRecord], maximize: bool) -> tuple[float, float] | None:
    """The objective axis, zoomed on the leading trials so that their differences show.

    The leading trials are the better half of those with a final objective (at least two, at most
    :data:`~.ranking.TOP_ROWS`); the axis holds their whole curves and the best value any epoch reached. Poorer trials
    fall outside and are drawn at the edge.
    """
    order = ranked(trials, maximize)
    if not order:
        return None
    leading = order[: min(len(order), max(2, min(TOP_ROWS, len(order) // 2)))]
    shown = [p.value for t in leading for p in t.curve if math.isfinite(p.value)]
    everything = [p.value for t in trials for p in t.curve if math.isfinite(p.value)]
    if maximize:
        low, high = min(shown), max(everything)
    else:
        low, high = min(everything), max(shown)
    pad = (high - low) * 0.08 or abs(high) * 0.05 or 0.05
    return low - pad, high + pad


def _outside(value: float, limits: tuple[float, float] | None) -> float | None:
    """The edge a value falls beyond, if it is outside ``limits``."""
    if limits is None:
        return None
    if value < limits[0]:
        return limits[0]
    if value > limits[1]:
        return limits[1]
    return None


def plot_epochs(axes: Any, spec: JobSpec, trials: Sequence[TrialRecord], target: float | None) -> None:
    """Objective against epoch (Hyperband's resource, log scale), one line per trial; the best marked and labelled.

    Trials the strategy stopped are dashed grey, those the time budget cut dotted violet, each ending in a cross;
    the top configurations carry their trial number; trials below the zoomed axis are triangles at its edge.
    """
    best = best_trial(trials, spec.maximize)
    top = {t.number for t in ranked(trials, spec.maximize)[:TOP_ROWS]}
    limits = value_limits(trials, spec.maximize)
    seen: set[str] = set()
    below = 0

    def label(kind: str, text: str) -> str | None:
        if kind in seen:
            return None
        seen.add(kind)
        return text

    for record in sorted(trials, key=lambda t: t.state == "completed"):
        if not record.curve or record is best:
            continue
        xs = [p.epoch for p in record.curve]
        ys = [p.value if math.isfinite(p.value) else math.nan for p in record.curve]
        if record.state == "stopped":
            budget_cut = record.stop_reason not in (None, "stopped by the strategy")
            kind = "budget" if budget_cut else "stopped"
            text = f"stopped: {record.stop_reason}" if budget_cut else "stopped by the strategy"
            style = ":" if budget_cut else "--"
            axes.plot(xs, ys, color=COLORS[kind], linewidth=1, linestyle=style, label=label(kind, text))
            axes.plot(xs[-1], ys[-1], marker="x", color=COLORS[kind], markersize=6)
            color = COLORS[kind]
        elif record.state == "failed":
            axes.plot(xs, ys, color=COLORS["failed"], linewidth=1, marker="o", markersize=3, label=label("f", "failed"))
            color = COLORS["failed"]
        else:
            axes.plot(xs, ys, color=COLORS["completed"], linewidth=1.2, alpha=0.8, label=label("c", "completed"))
            color = COLORS["completed"]
        edge = _outside(ys[-1], limits)
        if edge is not None:
            below += 1
            axes.plot(
                xs[-1],
                edge,
                marker="v" if edge == (limits or (0, 0))[0] else "^",
                color=color,
                markersize=7,
                clip_on=False,
                zorder=4,
            )
        elif record.number in top:
            axes.annotate(
                str(record.number),
                (xs[-1], ys[-1]),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=8,
                color=color,
                va="center",
                fontweight="bold",
            )
    for index, rung in enumerate(rungs_of(spec)):
        axes.axvline(rung, color="#cccccc", linewidth=0.8, zorder=0, label="Hyperband rung" if index == 0 else None)
    if target is not None:
        axes.axhline(target, color="black", linestyle=":", linewidth=1, label=f"target {target:g}")
    if best is not None:
        xs = [p.epoch for p in best.curve]
        ys = [p.value if math.isfinite(p.value) else math.nan for p in best.curve]
        axes.plot(xs, ys, color=COLORS["best"], linewidth=2.6, zorder=5, label=f"best: trial {best.number}")
        axes.plot(xs[-1], ys[-1], marker="*", color=COLORS["best"], markersize=16, markeredgecolor="black", zorder=6)
        point = best_epoch(best, spec.maximize)
        tuned = [f"{r.name} = {_short(best.hyperparameters.get(r.name, '?'))}" for r in spec.ranges]
        status = f"{len(best.curve)} epochs" + (
            f", {best.stop_reason or best.state}" if best.state != "completed" else ""
        )
        text = "\n".join(
            [
                f"best: trial {best.number} ({status})",
                f"final {spec.objective_name} = {objective_text(final_objective(best), point)}",
                *tuned,
            ]
        )
        axes.annotate(
            str(best.number),
            (xs[-1], ys[-1]),
            xytext=(9, 0),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            color=COLORS["best"],
            va="center",
        )
        axes.text(
            1.0,
            -0.12,
            text,
            transform=axes.transAxes,
            ha="right",
            va="top",
            multialignment="left",
            fontsize=8.5,
            bbox={"boxstyle": "round", "facecolor": "#fdf2e9", "edgecolor": COLORS["best"]},
        )
    if limits is not None:
        axes.set_ylim(*limits)
    epochs = max((len(t.curve) for t in trials), default=1)
    axes.set_xscale("log")
    ticks = sorted({1, *(rungs_of(spec)), spec.max_resource or epochs, epochs})
    axes.set_xticks(ticks, [str(t) for t in ticks])
    axes.minorticks_off()
    axes.set_xlim(0.85, max(ticks) * 1.15)
    axes.set_xlabel("epoch (Hyperband's resource; log scale)")
    axes.set_ylabel(f"{spec.objective_name} ({'higher' if spec.maximize else 'lower'} is better)")
    note = f"; triangles: {below} trials beyond the axis" if below else ""
    axes.set_title(f"objective per epoch, one line per trial; numbers: the top {TOP_ROWS} trials{note}", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(0.0, -0.11), ncol=2, fontsize=8, frameon=False)


def rungs_of(spec: JobSpec) -> list[int]:
    """Hyperband's rungs of the job (none for the other strategies)."""
    if spec.strategy != "Hyperband" or not spec.max_resource:
        return []
    from .strategy import rungs

    return list(rungs(spec))


def plot_best_so_far(axes: Any, spec: JobSpec, trials: Sequence[TrialRecord], target: float | None) -> None:
    """The best final objective so far against the time the search had run; each trial's final value as a mark."""
    ended = sorted(
        (t for t in trials if t.ended is not None and final_objective(t) is not None), key=lambda t: t.ended or 0.0
    )
    limits = value_limits(trials, spec.maximize)
    xs: list[float] = [0.0]
    ys: list[float] = [math.nan]
    best: float | None = None
    for record in ended:
        value = final_objective(record)
        assert value is not None and record.ended is not None
        color = COLORS["stopped"] if record.state == "stopped" else COLORS["completed"]
        edge = _outside(value, limits)
        marker = "x" if record.state == "stopped" else "o"
        if edge is not None:
            value_shown, marker = edge, "v" if limits is not None and edge == limits[0] else "^"
        else:
            value_shown = value
        axes.plot(record.ended, value_shown, marker=marker, color=color, markersize=5, alpha=0.8, clip_on=False)
        if best is None or (value > best if spec.maximize else value < best):
            best = value
        xs.append(record.ended)
        ys.append(best)
    axes.step(xs, ys, where="post", color=COLORS["best"], linewidth=2, label="best final objective so far")
    if target is not None:
        axes.axhline(target, color="black", linestyle=":", linewidth=1, label=f"target {target:g}")
    if limits is not None:
        axes.set_ylim(*limits)
    axes.set_xlim(left=0)
    axes.set_xlabel("seconds since the search started (this machine)")
    axes.set_title("best so far against time (marks: each trial as it ends)", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, fontsize=8, frameon=False)


def _short(value: str) -> str:
    """A hyperparameter value for a label: numbers with 4 significant digits."""
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def plot_figure(spec: JobSpec, search: SearchResult, target: float | None) -> Any:
    """The figure of ``plot.png``: objective per epoch for every trial (best marked and labelled), best so far."""
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    pyplot = require("matplotlib.pyplot")
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(13, 6.6), gridspec_kw={"width_ratios": [1.7, 1]})
    plot_epochs(left, spec, search.trials, target)
    plot_best_so_far(right, spec, search.trials, target)
    stopped = sum(t.state == "stopped" for t in search.trials)
    failed = sum(t.state == "failed" for t in search.trials)
    figure.suptitle(
        f"{spec.path}: {spec.strategy} dry run, {len(search.trials)} trials ({stopped} stopped, {failed} failed) in "
        f"{search.seconds:.0f} s",
        fontsize=11,
    )
    figure.tight_layout()
    return figure


def write_plot(spec: JobSpec, search: SearchResult, target: float | None, path: Path) -> None:
    """``plot.png``: see :func:`plot_figure`."""
    figure = plot_figure(spec, search, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    require("matplotlib.pyplot").close(figure)


def top_table(report: dict[str, Any]) -> list[str]:
    """The table of top configurations as aligned text lines."""
    search = report.get("search") or {}
    rows = search.get("top_configurations") or []
    if not rows:
        return []
    names = [r["name"] for r in report["job"]["ranges"]]
    metric = report["job"]["objective"]["metric"]
    max_epochs = report["job"].get("max_resource")
    header = ["rank", "trial", f"final {metric}", "best epoch", "epochs", "state", *names]
    lines = [header]
    for row in rows:
        epoch = "-" if row["best_epoch_value"] is None else f"{row['best_epoch_value']:.4g} @{row['best_epoch']}"
        lines.append(
            [
                str(row["rank"]),
                str(row["trial"]),
                f"{row['objective']:.4g}",
                epoch,
                f"{row['epochs']}/{max_epochs}" if max_epochs else str(row["epochs"]),
                row["state"],
                *[_short(row["hyperparameters"].get(n, "-")) for n in names],
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines]


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
        shown = ", ".join(f"{k}={_short(v)}" for k, v in best["tuned_hyperparameters"].items())
        point = None
        if best["best_epoch_value"] is not None:
            point = EpochValue(best["best_epoch"], 0.0, best["best_epoch_value"])
        of = f" of {best['max_epochs']}" if best.get("max_epochs") else ""
        how = f", {best['state']}" + (f" ({best['stop_reason']})" if best.get("stop_reason") else "")
        lines.append(
            f"best (final objective, as SageMaker ranks): trial {best['trial']}, {report['job']['objective']['metric']} "
            f"= {objective_text(best['objective'], point)} after {best['epochs']}{of} epochs"
            + (how if best["state"] != "completed" else "")
            + (f": {shown}" if shown else "")
        )
    table = top_table(report)
    if table:
        lines.append("top configurations:")
        lines.extend(f"  {line}" for line in table)
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
