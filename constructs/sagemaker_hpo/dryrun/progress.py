"""The progress display (rich): a bar of trials done, the best value so far, and one line per finished trial."""

from __future__ import annotations

import math
import threading
from types import TracebackType
from typing import Any

from .extras import require
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
        """A trial started (``start``), reported a value (``epoch``) or ended (``end``)."""
        with self._lock:
            if kind == "epoch" and point is not None and math.isfinite(point.value):
                if self.best is None or (point.value > self.best if self.maximize else point.value < self.best):
                    self.best = point.value
            if kind == "end":
                self.done += 1
                last = record.final_value
                shown = "-" if last is None else f"{last:.4g}"
                extra = f" ({record.stop_reason})" if record.stop_reason else ""
                if record.state == "failed" and record.failure:
                    extra = f": {record.failure[:160]}"
                self.print(
                    f"{self.title} {record.number:>3} {record.label if record.phase == 'check' else ''}"
                    f" {record.state} after {len(record.curve)} epochs, {self.metric}={shown}{extra}".replace("  ", " ")
                )
            if self._progress is not None:
                best = "" if self.best is None else f"best {self.metric} {self.best:.4g}"
                self._progress.update(self._task, completed=min(self.done, self.total), best=best)

    def trial_done(self, record: TrialRecord) -> None:
        """A check trial ended."""
        self.event("end", record)
