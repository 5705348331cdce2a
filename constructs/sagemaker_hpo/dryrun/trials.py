"""Running one trial: start the program, read the objective live from its log, stop it when told to."""

from __future__ import annotations

import math
import os
import queue
import shutil
import signal
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
    clock: int | None = None
    """The schedule's clock when the value was taken (epoch-budget searches): the value belongs to the epoch that
    ended at this many epochs since the search started. ``None`` in wall-clock searches."""


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
        self._finish(record, process)
        return record

    def _finish(self, record: TrialRecord, process: TrialProcess) -> None:
        """Fill in how ``record``'s trial ended, once its process has exited; remove its files."""
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
                f"the objective metric {self.spec.objective_name} never appeared in the log (SageMaker fails such a "
                "training job)"
            )
        else:
            record.state = "completed"

    def feed(self, record: TrialRecord, workers: threading.Semaphore) -> TrialFeed:
        """Start ``record``'s trial as a :class:`TrialFeed`: its values are taken one epoch at a time.

        :param workers: shared by the feeds of one search: a feed's program runs only while it holds one (at most
            that many programs compute at once; the others wait, paused, for the scheduler to need their next value).
        """
        return TrialFeed(self, record, workers)

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


class TrialFeed:
    """One trial whose objective values a scheduler takes one epoch at a time (the epoch-budget search).

    A reader thread starts the program when it holds a worker and reads its log. After each objective value the
    program is paused (``SIGSTOP`` to its process group, Python runner) and gives its worker back until the
    scheduler has taken that value, so a program never runs more than the epoch it is computing ahead of the
    schedule, and at most ``workers`` programs compute at once. What the scheduler sees (values in order, then the
    end) depends only on the program's output, never on which process is faster.
    """

    _END = object()

    def __init__(self, runner: TrialRunner, record: TrialRecord, workers: threading.Semaphore) -> None:
        self.runner = runner
        self.record = record
        self.workers = workers
        self.process = TrialProcess(
            runner.program,
            runner.out / "trials" / record.name,
            record.hyperparameters,
            name=record.name,
            channels=runner.channels,
            threads=runner.threads,
        )
        self._values: queue.Queue[Any] = queue.Queue()
        self._taken = threading.Condition()
        self._pending = 0
        self._stopping = False
        self._pausable = runner.program.runner == "python"
        self._thread = threading.Thread(target=self._read, name=f"feed-{record.name}", daemon=True)
        record.state = "running"
        record.started = runner.clock()
        self._thread.start()

    def _signal(self, signum: int) -> None:
        if not self._pausable or self.process.process is None:
            return
        try:
            os.killpg(self.process.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _acquire(self) -> bool:
        """Wait for a worker; False when the trial is being stopped meanwhile."""
        while not self.workers.acquire(timeout=0.05):
            if self._stopping:
                return False
        if self._stopping:
            self.workers.release()
            return False
        return True

    def _read(self) -> None:
        record = self.record
        objective = self.runner.spec.objective_name
        holding = False
        try:
            if not self._acquire():
                return
            holding = True
            with self.runner._lock:
                self.runner._running[record.name] = self.process
            self.process.start()
            record.pid = self.process.pid
            for line in self.process.lines():
                if record.keep_log:
                    record.log.append(line)
                record.tail = (record.tail + [line])[-KEPT_LINES:]
                values = self.runner.reader.read(line)
                if objective not in values:
                    continue
                with self._taken:
                    self._pending += 1
                self._values.put(values[objective])
                if self._pausable:
                    self._signal(signal.SIGSTOP)
                    self.workers.release()
                    holding = False
                    with self._taken:
                        while self._pending and not self._stopping:
                            self._taken.wait()
                    if self._stopping or not self._acquire():
                        break
                    holding = True
                    self._signal(signal.SIGCONT)
        except Exception as err:  # a program that cannot start: the trial fails, the search goes on
            record.failure = record.failure or f"{type(err).__name__}: {err}"
        finally:
            if holding:
                self.workers.release()
            self._values.put(self._END)

    def next(self) -> float | None:
        """The objective value of the trial's next epoch, or ``None`` once the program has ended without another."""
        item = self._values.get()
        if item is self._END:
            self._values.put(self._END)  # stays at the end for any later call
            return None
        with self._taken:
            self._pending -= 1
            self._taken.notify_all()
        return float(item)

    def stop(self, reason: str) -> None:
        """End the program now (``reason`` is recorded) and wait for its end."""
        self.record.stop_reason = self.record.stop_reason or reason
        with self._taken:
            self._stopping = True
            self._taken.notify_all()
        # Stopped by the schedule even when the program, an epoch ahead, has already exited on its own: the record
        # must not depend on how far the process got meanwhile.
        self.process.stopped = True
        if self.process.process is not None and self.process.process.poll() is None:
            self._signal(signal.SIGTERM)
            self._signal(signal.SIGCONT)  # a paused program gets the SIGTERM only once it runs again
            self.process.stop()
        self.finish()

    def finish(self) -> TrialRecord:
        """Wait for the program's end and fill in the record (state, return code, failure)."""
        self._thread.join()
        try:
            self.record.returncode = self.process.wait() if self.process.process is not None else None
        finally:
            with self.runner._lock:
                self.runner._running.pop(self.record.name, None)
        if self.process.process is None:
            self.record.ended = self.runner.clock()
            self.record.state = "stopped" if self._stopping else "failed"
            return self.record
        self.runner._finish(self.record, self.process)
        return self.record
