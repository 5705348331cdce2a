"""One trial of the training program, run under the SageMaker container contract.

Each trial gets its own ``/opt/ml`` folder: ``input/config/hyperparameters.json`` (every value a string, as SageMaker
passes them), ``resourceconfig.json`` and ``inputdataconfig.json``, ``input/data/<channel>/`` (a local folder per
``--channel``), ``model/``, ``output/`` (``output/failure`` is read back as the failure reason) and ``checkpoints/``.
The program runs as SageMaker starts it, ``<entrypoint> train``:

- with ``docker run`` when a Docker engine answers (the image is built from the asset folder once), or
- with this machine's Python: the Dockerfile's ``ENTRYPOINT`` script from the asset folder, with ``OPT_ML_DIR``
  pointing at the trial's folder instead of ``/opt/ml`` (a program that hard-codes ``/opt/ml`` needs Docker).

Every trial runs in a process group of its own; stopping a trial ends that group (by its id, never by name) and
the container of a Docker trial (by its name). When the program exits, whatever it left in its group is ended too,
as a container's processes end with its entry process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Where SageMaker mounts the training folder in the container.
CONTAINER_ROOT = "/opt/ml"
#: Seconds a stopped trial has to exit after SIGTERM before its group gets SIGKILL.
STOP_GRACE_SECONDS = 5.0
_PYTHON_NAMES = {"python", "python3", "/usr/bin/python", "/usr/bin/python3", "/usr/local/bin/python"}


class ProgramError(Exception):
    """The program of an asset folder cannot be found or started."""


@dataclass(frozen=True)
class Program:
    """How a trial starts the training program.

    :param directory: the image's asset folder.
    :param runner: ``python`` (this machine's Python) or ``docker``.
    :param argv: the command without SageMaker's ``train`` argument (host paths for ``python``).
    :param image: the locally built image tag (``docker``). Default: None.
    """

    directory: Path
    runner: str
    argv: tuple[str, ...]
    image: str | None = None


def docker_available() -> bool:
    """Whether a ``docker`` client is on the PATH and its engine answers."""
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def dockerfile_entrypoint(directory: Path) -> tuple[str, ...]:
    """The ``ENTRYPOINT`` of ``directory/Dockerfile`` in its exec (JSON) or shell form."""
    try:
        text = (directory / "Dockerfile").read_text(encoding="utf-8")
    except OSError as err:
        raise ProgramError(f"{directory} has no readable Dockerfile: {err}") from None
    text = re.sub(r"\\\n", " ", text)
    entry: tuple[str, ...] = ()
    for line in text.splitlines():
        match = re.match(r"\s*ENTRYPOINT\s+(.+)$", line, re.IGNORECASE)
        if match:
            value = match.group(1).strip()
            try:
                parsed = json.loads(value)
                entry = tuple(str(v) for v in parsed) if isinstance(parsed, list) else (value,)
            except json.JSONDecodeError:
                entry = ("/bin/sh", "-c", value)
    if not entry:
        raise ProgramError(
            f"{directory / 'Dockerfile'} has no ENTRYPOINT; SageMaker starts the image as '<image> train'"
        )
    return entry


def host_command(directory: Path) -> tuple[str, ...]:
    """The ENTRYPOINT mapped onto this machine: ``python /opt/program/train.py`` -> ``<this python> <dir>/train.py``."""
    entry = dockerfile_entrypoint(directory)
    if entry[0] not in _PYTHON_NAMES or len(entry) < 2 or entry[1].startswith("-"):
        raise ProgramError(
            f"the ENTRYPOINT {list(entry)} of {directory} is not 'python <script>': without Docker only a Python "
            "entry program can run on this machine"
        )
    script = directory / Path(entry[1]).name
    if not script.is_file():
        raise ProgramError(f"the entry program {entry[1]} is not in {directory} (looked for {script.name})")
    return (sys.executable, str(script), *entry[2:])


def find_program(directory: Path, runner: str = "auto") -> Program:
    """How to run the image of ``directory``.

    :param runner: ``docker``, ``python`` or ``auto`` (Docker when its engine answers, else Python).
    """
    if runner == "auto":
        runner = "docker" if docker_available() else "python"
    if runner == "docker":
        digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:12]
        return Program(directory, "docker", ("docker",), image=f"sagemaker-hpo-dryrun:{digest}")
    if runner == "python":
        return Program(directory, "python", host_command(directory))
    raise ProgramError(f"unknown runner {runner!r}: docker, python or auto")


def build_image(program: Program) -> None:
    """``docker build`` the asset folder (Docker programs only; SageMaker trains on linux/amd64)."""
    if program.runner != "docker" or program.image is None:
        return
    proc = subprocess.run(
        ["docker", "build", "--platform", "linux/amd64", "-t", program.image, str(program.directory)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise ProgramError(f"docker build of {program.directory} failed:\n{proc.stderr[-3000:]}")


def prepare_root(root: Path, hyperparameters: Mapping[str, str], channels: Mapping[str, Path], link: bool) -> None:
    """Lay out a trial's ``/opt/ml`` folder as SageMaker does before it starts the container.

    :param link: whether ``input/data/<channel>`` links to the local folders (host runs; Docker mounts them).
    """
    config = root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps({k: str(v) for k, v in hyperparameters.items()}))
    (config / "resourceconfig.json").write_text(
        json.dumps({"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"})
    )
    (config / "inputdataconfig.json").write_text(
        json.dumps(
            {
                name: {
                    "TrainingInputMode": "File",
                    "S3DistributionType": "FullyReplicated",
                    "RecordWrapperType": "None",
                }
                for name in channels
            }
        )
    )
    data = root / "input" / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, folder in channels.items():
        if link:
            (data / name).symlink_to(folder.resolve(), target_is_directory=True)
        else:
            (data / name).mkdir(exist_ok=True)
    for sub in ("model", "output/data", "checkpoints"):
        (root / sub).mkdir(parents=True, exist_ok=True)


class TrialProcess:
    """The training program of one trial: started in its own process group, read line by line, stoppable."""

    def __init__(
        self,
        program: Program,
        root: Path,
        hyperparameters: Mapping[str, str],
        *,
        name: str,
        channels: Mapping[str, Path] | None = None,
        threads: int = 1,
    ) -> None:
        """:param program: how to start the program.
        :param root: the trial's ``/opt/ml`` folder (created).
        :param hyperparameters: the values SageMaker would pass (strings).
        :param name: the training job name (``TRAINING_JOB_NAME``; the container name of a Docker trial).
        :param channels: channel name -> local folder. Default: none.
        :param threads: CPU threads the program may use (``OMP_NUM_THREADS``). Default: 1.
        """
        self.program = program
        self.root = root
        self.name = name
        self.channels = dict(channels or {})
        self.hyperparameters = dict(hyperparameters)
        self.threads = threads
        self.process: subprocess.Popen[str] | None = None
        self.stopped = False
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The process id (also the id of the process group it leads)."""
        return self.process.pid if self.process is not None else None

    def command(self) -> list[str]:
        """The command line of the trial (SageMaker's ``train`` argument included)."""
        if self.program.runner == "docker":
            mounts = [
                arg
                for name, folder in self.channels.items()
                for arg in ("-v", f"{folder.resolve()}:{CONTAINER_ROOT}/input/data/{name}:ro")
            ]
            return [
                "docker",
                "run",
                "--rm",
                "--name",
                self.name,
                "-e",
                f"TRAINING_JOB_NAME={self.name}",
                "-e",
                f"OMP_NUM_THREADS={self.threads}",
                "-v",
                f"{self.root.resolve()}:{CONTAINER_ROOT}",
                *mounts,
                str(self.program.image),
                "train",
            ]
        return [*self.program.argv, "train"]

    def start(self) -> None:
        """Lay out the trial's folder and start the program in a new session (its own process group)."""
        prepare_root(self.root, self.hyperparameters, self.channels, link=self.program.runner == "python")
        env = {
            **os.environ,
            "TRAINING_JOB_NAME": self.name,
            "OPT_ML_DIR": str(self.root.resolve()),
            "OMP_NUM_THREADS": str(self.threads),
            "MKL_NUM_THREADS": str(self.threads),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # SageMaker's log holds both streams, and the regexes read both
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        threading.Thread(target=self._end_group_on_exit, daemon=True).start()

    def _end_group_on_exit(self) -> None:
        """When the program exits, end what it left in its group, as a container ends with its entry process.

        Without this a child that inherited the output pipe would keep the trial open (and running) until it exits.
        """
        assert self.process is not None
        self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def lines(self) -> Iterator[str]:
        """The program's output lines as they come, until it exits or is stopped."""
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            yield line.rstrip("\n")

    def wait(self) -> int:
        """Wait for the program to exit and return its exit code."""
        assert self.process is not None
        code = self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """End the trial: SIGTERM to its process group, SIGKILL after ``grace`` seconds; a Docker container by name."""
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                return
            self.stopped = True
            if self.program.runner == "docker":
                subprocess.run(["docker", "kill", self.name], capture_output=True, timeout=60)
            pgid = self.process.pid  # start_new_session: the program leads a group whose id is its pid
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(pgid, signal.SIGKILL)  # children the program left behind in its group
            except ProcessLookupError:
                pass
            self.process.wait()

    def failure(self) -> str | None:
        """The text of ``output/failure`` (SageMaker's ``FailureReason``), if the program wrote one."""
        try:
            return (self.root / "output" / "failure").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
