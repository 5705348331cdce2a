"""Running one trial: start the program, read the objective live from its log, stop it when told to."""

from __future__ import annotations

import math
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import Program, TrialProcess
from .job import JobSpec
from .metrics import MetricReader

#: Lines of a trial's log kept in the report (the last ones).
KEPT_LINES = 40


@dataclass
class EpochValue:
    """One value of the objective metric: the ``epoch``-th matching line, at ``seconds`` since the run started."""

    epoch: int
    seconds: float
    value: float


@dataclass
class TrialRecord:
    """What happened in one trial.

    :param number: the trial's number in its phase.
    :param name: the training job name given to the program.
    :param phase: ``check`` (before the search) or ``search``.
    :param label: what the trial is for (``baseline``, ``learning_rate at its maximum 0.1``, ``trial 3``).
    :param hyperparameters: every hyperparameter the program got.
    """

    number: int
    name: str
    phase: str
    label: str
    hyperparameters: dict[str, str]
    state: str = "pending"
    stop_reason: str | None = None
    returncode: int | None = None
    failure: str | None = None
    pid: int | None = None
    started: float | None = None
    ended: float | None = None
    curve: list[EpochValue] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    keep_log: bool = False

    @property
    def final_value(self) -> float | None:
        """The last objective value (SageMaker's final objective value of the training job)."""
        return self.curve[-1].value if self.curve else None

    def value_at(self, epoch: int) -> float | None:
        """The objective value at ``epoch``, if the trial got that far."""
        return next((e.value for e in self.curve if e.epoch == epoch), None)

    def as_dict(self) -> dict[str, Any]:
        """The record for ``report.json``."""
        return {
            "number": self.number,
            "name": self.name,
            "phase": self.phase,
            "label": self.label,
            "hyperparameters": self.hyperparameters,
            "state": self.state,
            "stop_reason": self.stop_reason,
            "returncode": self.returncode,
            "failure": self.failure,
            "pid": self.pid,
            "started_seconds": self.started,
            "ended_seconds": self.ended,
            "epochs": len(self.curve),
            "final_objective": _finite_or_none(self.final_value),
            "curve": [
                {"epoch": e.epoch, "seconds": round(e.seconds, 3), "value": _finite_or_none(e.value)}
                for e in self.curve
            ],
            "log_tail": self.tail[-10:],
        }


def _finite_or_none(value: float | None) -> float | str | None:
    if value is None:
        return None
    return value if math.isfinite(value) else str(value)


def _remove_outputs(root: Path) -> None:
    """Remove a finished trial's files but its configuration (``input/config``) and ``output/``."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name == "output":
            continue
        if entry.name == "input":
            for inner in entry.iterdir():
                if inner.name != "config":
                    _remove(inner)
            continue
        _remove(entry)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


class TrialRunner:
    """Starts trials of one program for one job, and can stop every running trial at once.

    :param spec: the job.
    :param program: how to start the program.
    :param out: the folder that holds each trial's ``/opt/ml`` (``<out>/trials/<name>``).
    :param channels: channel name -> local folder. Default: none.
    :param threads: CPU threads per trial. Default: 1.
    :param clock: seconds since the run started. Default: a monotonic clock started now.
    :param keep_files: keep each finished trial's whole folder (model, checkpoints). Default: False: only
        ``input/config`` and ``output/`` stay (checkpoints of large models fill a disk fast).
    """

    def __init__(
        self,
        spec: JobSpec,
        program: Program,
        out: Path,
        *,
        channels: Mapping[str, Path] | None = None,
        threads: int = 1,
        clock: Callable[[], float] | None = None,
        keep_files: bool = False,
    ) -> None:
        self.spec = spec
        self.program = program
        self.out = out
        self.channels = dict(channels or {})
        self.threads = threads
        start = time.monotonic()
        self.clock = clock or (lambda: time.monotonic() - start)
        self.reader = MetricReader(spec.metric_definitions)
        self.keep_files = keep_files
        self._running: dict[str, TrialProcess] = {}
        self._stop_reasons: dict[str, str] = {}
        self._closed: str | None = None
        self._lock = threading.Lock()

    def run(
        self, record: TrialRecord, on_value: Callable[[TrialRecord, EpochValue], str | None] | None = None
    ) -> TrialRecord:
        """Run ``record``'s trial to its end.

        :param on_value: called with each objective value; a non-empty return is a reason to stop the trial now
            (its process group is ended and the record's state is ``stopped``).
        """
        process = TrialProcess(
            self.program,
            self.out / "trials" / record.name,
            record.hyperparameters,
            name=record.name,
            channels=self.channels,
            threads=self.threads,
        )
        with self._lock:
            self._running[record.name] = process
        record.state = "running"
        record.started = self.clock()
        try:
            process.start()
            record.pid = process.pid
            with self._lock:
                closed = self._closed
            if closed:  # stop_all() ran while this trial was starting
                self._stop_reasons[record.name] = closed
                process.stop()
            objective = self.spec.objective_name
            for line in process.lines():
                if record.keep_log:
                    record.log.append(line)
                record.tail = (record.tail + [line])[-KEPT_LINES:]
                values = self.reader.read(line)
                if objective not in values:
                    continue
                point = EpochValue(len(record.curve) + 1, self.clock(), values[objective])
                record.curve.append(point)
                reason = on_value(record, point) if on_value is not None else None
                if reason:
                    record.stop_reason = reason
                    process.stop()
                    break
            record.returncode = process.wait()
        finally:
            with self._lock:
                self._running.pop(record.name, None)
            if process.process is not None and process.process.poll() is None:
                process.stop()
        record.ended = self.clock()
        record.failure = process.failure()
        if not self.keep_files:
            _remove_outputs(process.root)
        if process.stopped:
            record.state = "stopped"
            record.stop_reason = record.stop_reason or self._stop_reasons.get(record.name, "stopped")
        elif record.returncode != 0:
            record.state = "failed"
        elif not record.curve:
            record.state = "failed"
            record.failure = record.failure or (
                f"the objective metric {objective} never appeared in the log (SageMaker fails such a training job)"
            )
        else:
            record.state = "completed"
        return record

    def stop_all(self, reason: str) -> None:
        """Stop every running trial and any that is starting (the time budget ran out, or the target was reached)."""
        with self._lock:
            self._closed = reason
            running = list(self._running.items())
            for name, _ in running:
                self._stop_reasons.setdefault(name, reason)
        for _, process in running:
            process.stop()

    def running_pids(self) -> list[int]:
        """The process ids of the trials running now."""
        with self._lock:
            return [p.pid for p in self._running.values() if p.pid is not None]
