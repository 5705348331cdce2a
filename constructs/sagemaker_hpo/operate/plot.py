"""``status --plot FILE.png``: every training job's objective against time (matplotlib).

x: minutes from the tuning job's creation to the end of each training job; y: its final objective value. Completed
training jobs are dots, the ones stopped early (Hyperband, early stopping) crosses, failed ones ticks on the x axis;
the best so far is a step line and the best training job a star.
"""

from __future__ import annotations

from pathlib import Path

from .errors import EXIT_USAGE, OperateError
from .summary import JobSummary, TrainingJob

INSTALL_HINT = "pip install 'sagemaker-hpo-cdk[cli]'"


def _minutes(summary: JobSummary, job: TrainingJob) -> float | None:
    moment = job.end_time or job.start_time
    origin = summary.creation_time
    if moment is None or origin is None:
        return None
    return (moment - origin).total_seconds() / 60


def write_plot(summary: JobSummary, path: Path) -> Path:
    """Draw ``summary``'s training jobs into ``path`` (PNG); raise :class:`OperateError` without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise OperateError(f"--plot needs matplotlib, which is not installed: {INSTALL_HINT}", EXIT_USAGE) from None

    groups: dict[str, list[tuple[float, float]]] = {"Completed": [], "Stopped": []}
    failed: list[float] = []
    for job in summary.training_jobs:
        x = _minutes(summary, job)
        if x is None:
            continue
        if job.objective_value is None:
            if job.status == "Failed":
                failed.append(x)
            continue
        groups["Stopped" if job.status == "Stopped" else "Completed"].append((x, job.objective_value))
    figure, axes = plt.subplots(figsize=(11, 5), dpi=110)
    try:
        styles = {
            "Completed": {"marker": "o", "color": "tab:blue", "label": "completed"},
            "Stopped": {"marker": "x", "color": "tab:orange", "label": "stopped early"},
        }
        for status, points in groups.items():
            if points:
                xs, ys = zip(*points, strict=True)
                axes.scatter(xs, ys, s=22, alpha=0.75, linewidths=1.2, **styles[status])  # type: ignore[arg-type]
        if failed:
            axes.plot(
                failed,
                [0] * len(failed),
                linestyle="none",
                marker="|",
                markersize=12,
                color="tab:red",
                transform=axes.get_xaxis_transform(),
                label="failed (no objective)",
            )
        ordered = sorted(p for points in groups.values() for p in points)
        if ordered:
            best_so_far: list[float] = []
            for _, y in ordered:
                if not best_so_far:
                    best_so_far.append(y)
                else:
                    previous = best_so_far[-1]
                    best_so_far.append(max(previous, y) if summary.maximize else min(previous, y))
            axes.step([x for x, _ in ordered], best_so_far, where="post", color="tab:green", label="best so far")
        best = summary.best
        best_x = _minutes(summary, best) if best is not None else None
        if best is not None and best_x is not None and best.objective_value is not None:
            axes.scatter(
                [best_x],
                [best.objective_value],
                marker="*",
                s=260,
                color="gold",
                edgecolors="black",
                zorder=5,
                label=f"best: {best.name} ({best.objective_value:.6g})",
            )
        axes.set_xlabel("minutes since the tuning job was created (end of each training job)")
        axes.set_ylabel(f"{summary.objective_metric or 'objective'} ({(summary.objective_type or '').lower()})")
        axes.set_title(
            f"{summary.name}: {summary.strategy or 'unknown strategy'}, {summary.status}, "
            f"{len(summary.training_jobs)} training jobs"
        )
        axes.grid(True, alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path
