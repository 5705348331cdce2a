"""``status`` in the terminal: rich panels, a progress bar and tables when rich is installed, plain text otherwise.

Both renderings show the same facts, built once by :func:`facts`; a value SageMaker has not returned yet is
"unknown".
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .summary import COUNTER_KEYS, JobSummary, TrainingJob

UNKNOWN = "unknown"
#: Width of the plain-text progress bar, in characters.
PLAIN_BAR_WIDTH = 30
#: Hyperparameters shown per training job in the top table (the rest are in --json and analytics).
TOP_TABLE_HYPERPARAMETERS = 6
COUNTER_LABELS = {
    "Completed": "completed",
    "InProgress": "in progress",
    "Stopped": "stopped early",
    "NonRetryableError": "failed",
    "RetryableError": "retryable errors",
}


def duration(seconds: float | None) -> str:
    """``3725`` -> ``1h 02m 05s``; None -> unknown."""
    if seconds is None:
        return UNKNOWN
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def value(item: Any) -> str:
    """A value for display: None -> unknown, floats to 6 significant digits."""
    if item is None:
        return UNKNOWN
    if isinstance(item, float):
        return f"{item:.6g}"
    return str(item)


def hyperparameters(values: Any) -> str:
    """``name=value`` pairs, or unknown."""
    if values is None:
        return UNKNOWN
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items())) or "none"


@dataclass(frozen=True)
class Facts:
    """What both renderings show: header rows, progress, best job rows, hours and the top table."""

    header: list[tuple[str, str]]
    done: int | None
    total: int | None
    progress_text: str
    best: list[tuple[str, str]]
    hours: str
    top: list[TrainingJob]


def _hours_line(summary: JobSummary) -> str:
    hours = summary.instance_hours
    if hours is None:
        return "unknown (training jobs not described)"
    ceiling = f"{hours.ceiling:.2f} h" if hours.ceiling is not None else UNKNOWN
    text = f"{hours.billed:.2f} h billed of a {ceiling} ceiling"
    if hours.ceiling:
        text += f" ({100 * hours.used / hours.ceiling:.0f}% used)"
    if hours.running_estimate:
        text += f", plus about {hours.running_estimate:.2f} h of running training jobs (not billed yet)"
    if hours.unknown_jobs:
        text += f"; billable time not known yet for {hours.unknown_jobs} training job(s)"
    return text


def facts(summary: JobSummary, top: int) -> Facts:
    """The facts of ``summary`` for display."""
    status = summary.status
    if summary.failure_reason:
        status += f" ({summary.failure_reason})"
    elif summary.completion_reason:
        status += f" ({summary.completion_reason})"
    objective = (
        f"{value(summary.objective_type)} {value(summary.objective_metric)}"
        if summary.objective_type or summary.objective_metric
        else UNKNOWN
    )
    header = [
        ("tuning job", summary.name),
        ("status", status),
        ("strategy", value(summary.strategy)),
        ("objective", objective),
        ("elapsed", duration(summary.elapsed_seconds)),
        (
            "time left",
            "none (ended)"
            if summary.ended
            else f"{duration(summary.time_left_seconds)} of max_runtime {duration(summary.max_runtime_seconds)}",
        ),
    ]
    counters = summary.counters
    header.append(
        (
            "training jobs",
            ", ".join(f"{counters[k]} {COUNTER_LABELS[k]}" for k in COUNTER_KEYS if k in counters)
            if counters
            else UNKNOWN,
        )
    )
    done, total = summary.finished_jobs, summary.max_jobs
    running = counters.get("InProgress", 0)
    progress_text = f"{value(done)}/{value(total)} training jobs ended" + (f", {running} running" if running else "")
    best_rows: list[tuple[str, str]] = []
    if summary.best is not None:
        best = summary.best
        best_rows = [
            ("name", best.name),
            ("objective", f"{value(summary.objective_metric)} = {value(best.objective_value)}"),
            ("hyperparameters", hyperparameters(best.tuned_hyperparameters)),
            ("model artifacts", value(best.model_artifacts)),
        ]
    return Facts(header, done, total, progress_text, best_rows, _hours_line(summary), summary.top(top))


def _top_columns(jobs: Sequence[TrainingJob]) -> list[str]:
    names: list[str] = []
    for job in jobs:
        names.extend(k for k in job.tuned_hyperparameters if k not in names)
    return names[:TOP_TABLE_HYPERPARAMETERS]


def plain(summary: JobSummary, top: int, stream: TextIO) -> None:
    """Plain text (no rich)."""
    shown = facts(summary, top)
    width = max(len(label) for label, _ in shown.header)
    for label, text in shown.header:
        stream.write(f"{label:<{width}}  {text}\n")
    if shown.done is not None and shown.total:
        filled = min(PLAIN_BAR_WIDTH, round(PLAIN_BAR_WIDTH * shown.done / shown.total))
        bar = "#" * filled + "." * (PLAIN_BAR_WIDTH - filled)
        stream.write(f"{'progress':<{width}}  [{bar}] {shown.progress_text}\n")
    else:
        stream.write(f"{'progress':<{width}}  {shown.progress_text}\n")
    stream.write(f"{'instance-hours':<{width}}  {shown.hours}\n")
    if shown.best:
        stream.write("best training job:\n")
        for label, text in shown.best:
            stream.write(f"  {label:<16} {text}\n")
    else:
        stream.write("best training job: none yet\n")
    if shown.top:
        columns = _top_columns(shown.top)
        rows = [["#", "training job", "status", "objective", "elapsed", *columns]]
        for rank, job in enumerate(shown.top, 1):
            rows.append(
                [
                    str(rank),
                    job.name,
                    job.status,
                    value(job.objective_value),
                    duration(job.elapsed_seconds),
                    *(job.tuned_hyperparameters.get(c, "") for c in columns),
                ]
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        stream.write(f"top {len(shown.top)} training jobs:\n")
        for row in rows:
            stream.write("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")


def rich_renderable(summary: JobSummary, top: int) -> Any:
    """The rich rendering (a ``Group`` of tables and a progress bar); needs rich."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    shown = facts(summary, top)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, text in shown.header:
        style = {"Completed": "green", "Failed": "red", "Stopped": "yellow"}.get(summary.status, "")
        grid.add_row(label, Text(text, style=style) if label == "status" else Text(text))
    bar = Table.grid(padding=(0, 2))
    bar.add_column(width=40)
    bar.add_column()
    total = float(shown.total) if shown.total else None
    bar.add_row(ProgressBar(total=total, completed=float(shown.done or 0), width=40), shown.progress_text)
    grid.add_row("progress", bar)
    grid.add_row("instance-hours", Text(shown.hours))
    parts: list[Any] = [grid]
    best = Table(title="best training job", title_justify="left", show_header=False, box=None, padding=(0, 2))
    best.add_column(style="bold")
    best.add_column(overflow="fold")
    for label, text in shown.best or [("", "none yet")]:
        best.add_row(label, Text(text))
    parts.append(best)
    if shown.top:
        columns = _top_columns(shown.top)
        table = Table(title=f"top {len(shown.top)} training jobs", title_justify="left")
        for heading in ["#", "training job", "status", "objective", "elapsed", *columns]:
            table.add_column(heading, justify="right" if heading in ("#", "objective") else "left")
        for rank, job in enumerate(shown.top, 1):
            table.add_row(
                str(rank),
                job.name,
                job.status,
                value(job.objective_value),
                duration(job.elapsed_seconds),
                *(job.tuned_hyperparameters.get(c, "") for c in columns),
            )
        parts.append(table)
    return Group(*parts)


def has_rich() -> bool:
    """Whether rich is installed."""
    try:
        importlib.import_module("rich")
    except ImportError:
        return False
    return True


def render(summary: JobSummary, top: int, stream: TextIO, *, use_rich: bool | None = None) -> None:
    """Write ``summary`` to ``stream``: with rich when installed (and ``use_rich`` is not False), plain otherwise."""
    if use_rich is None:
        use_rich = has_rich()
    if not use_rich:
        plain(summary, top, stream)
        return
    from rich.console import Console

    width = shutil.get_terminal_size((120, 40)).columns
    Console(file=stream, width=max(100, width)).print(rich_renderable(summary, top))
