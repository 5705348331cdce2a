"""The progress display (rich): a bar of trials done, the best final objective so far, one line per ended trial."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from .extras import require
from .ranking import best_epoch, better, final_objective, objective_text
from .trials import EpochValue, TrialRecord


class Progress:
    """Shows a phase's trials as they start, report epochs and end.

    :param title: the phase (``checks`` or ``search``).
    :param total: the trials planned.
    :param metric: the objective metric's name.
    :param maximize: whether larger is better.
    :param enabled: False for no display (tests, ``--quiet``). Default: True.
    """

    def __init__(self, title: str, total: int, metric: str, maximize: bool, *, enabled: bool = True) -> None:
        self.title = title
        self.total = total
        self.metric = metric
        self.maximize = maximize
        self.enabled = enabled
        self.best: float | None = None
        self.best_record: TrialRecord | None = None
        self._failures: dict[str, int] = {}
        self._counts: dict[str, int] = {}
        self.done = 0
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            progress = require("rich.progress")
            self._progress = progress.Progress(
                progress.TextColumn("[bold]{task.description}"),
                progress.BarColumn(),
                progress.MofNCompleteColumn(),
                progress.TimeElapsedColumn(),
                progress.TextColumn("{task.fields[best]}"),
            )
            self._progress.start()
            self._task = self._progress.add_task(self.title, total=self.total, best="")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def print(self, text: str) -> None:
        """A line above the bar."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def event(self, kind: str, record: TrialRecord, point: EpochValue | None = None) -> None:
        """A trial started (``start``), reported a value (``epoch``) or ended (``end``).

        "Best" is the best final objective of the trials ended so far (SageMaker's definition, :mod:`.ranking`),
        with that trial's best epoch beside it when it differs.
        """
        with self._lock:
            if kind == "end":
                self.done += 1
                final = final_objective(record)
                if final is not None and better(final, self.best, self.maximize):
                    self.best, self.best_record = final, record
                shown = objective_text(final, best_epoch(record, self.maximize))
                extra = f" ({record.stop_reason})" if record.stop_reason else ""
                if record.state == "failed":
                    extra = self.failure_text(record)
                self.print(
                    f"{self.title} {record.number:>3} {record.label if record.phase == 'check' else ''}"
                    f" {record.state} after {len(record.curve)} epochs, {self.metric}={shown}{extra}".replace("  ", " ")
                )
            if self._progress is not None:
                self._progress.update(self._task, completed=min(self.done, self.total), best=self.best_text())

    def best_text(self) -> str:
        """The progress bar's best: ``best final <metric> 0.972 (trial 3; best epoch 0.976 at 14)``."""
        if self.best is None or self.best_record is None:
            return ""
        shown = objective_text(self.best, best_epoch(self.best_record, self.maximize))
        shown = (
            shown.replace(" (", f" (trial {self.best_record.number}; ", 1)
            if "(" in shown
            else f"{shown} (trial {self.best_record.number})"
        )
        return f"best final {self.metric} {shown}"

    def failure_text(self, record: TrialRecord) -> str:
        """The failure of a trial, or, for one seen before, which trial failed the same way and how often."""
        key = (record.failure or next((line for line in reversed(record.tail) if line.strip()), "")).strip()
        if not key:
            return ""
        first = self._failures.get(key)
        self._counts[key] = self._counts.get(key, 0) + 1
        if first is None:
            self._failures[key] = record.number
            return f": {key[:160]}"
        return f": the same failure as {self.title} {first} ({self._counts[key]} times so far)"

    def trial_done(self, record: TrialRecord) -> None:
        """A check trial ended."""
        self.event("end", record)
