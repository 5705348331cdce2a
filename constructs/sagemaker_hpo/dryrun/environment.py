"""This machine's setup, told apart from the job: what makes a local trial fail that would not fail on SageMaker.

The Python runner starts the image's entry program with the interpreter that runs ``sagemaker-hpo`` (the CDK app's
virtual environment, usually), not with the image's own Python. Two things then fail locally only:

- **a module the program imports is not installed in that interpreter** (the image has it): found before any trial
  by resolving the program's imports in that interpreter, or afterwards from a ``ModuleNotFoundError`` in its log;
- **a path hard-coded under /opt/ml**: each local trial gets its own folder, named by ``OPT_ML_DIR``; found by
  reading the program's string literals, or afterwards from a missing file under ``/opt/ml`` in its log.

Neither says anything about the job on SageMaker, so the dry run reports them as a setup problem with its own exit
code (:data:`SETUP_EXIT_CODE`) and the fix, never as a job that would fail.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .contract import CONTAINER_ROOT, Program

#: The exit code of ``dry-run`` when this machine's setup, not the job, stops the trials.
SETUP_EXIT_CODE = 3
#: Import names whose pip distribution has another name.
DISTRIBUTIONS = {"sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml"}
#: How a program should find its root (shown in the fix of a hard-coded path).
ROOT_FIX = f'root = os.environ.get("OPT_ML_DIR", "{CONTAINER_ROOT}") and build every path from root'

_MISSING_MODULE = re.compile(r"(?:ModuleNotFoundError|ImportError): No module named '?([\w.]+)'?")
_MISSING_PATH = re.compile(r"(?:FileNotFoundError|PermissionError|OSError|IsADirectoryError)\b.*?'(/opt/ml[^']*)'")


@dataclass(frozen=True)
class SetupProblem:
    """Something on this machine that makes trials fail where SageMaker's would not.

    :param kind: ``missing-module`` or ``hard-coded-root``.
    :param message: what was found.
    :param fix: how to fix it.
    :param where: the lines of the program it was found at. Default: none.
    """

    kind: str
    message: str
    fix: str
    where: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The problem for ``report.json``."""
        return {"kind": self.kind, "message": self.message, "fix": self.fix, "where": list(self.where)}


def _guarded(handlers: Sequence[ast.ExceptHandler]) -> bool:
    """Whether an ``except`` clause catches a failed import (the program copes without the module)."""
    for handler in handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for name in names:
            if name is None or (isinstance(name, ast.Name) and name.id in ("ImportError", "ModuleNotFoundError")):
                return True
            if isinstance(name, ast.Name) and name.id in ("Exception", "BaseException"):
                return True
    return False


def imports_of(tree: ast.AST) -> list[tuple[str, int]]:
    """The absolute imports of a module (top-level name and line), but those in ``try: ... except ImportError``."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Try) and _guarded(node.handlers):
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _local_module(directory: Path, name: str) -> Path | None:
    """The file of a module that lives in the program's folder (``name.py`` or ``name/__init__.py``)."""
    for candidate in (directory / f"{name}.py", directory / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def program_sources(script: Path) -> dict[Path, ast.Module]:
    """The entry script and the modules of its folder it imports (recursively), parsed."""
    sources: dict[Path, ast.Module] = {}
    pending = [script]
    while pending:
        path = pending.pop()
        if path in sources:
            continue
        try:
            sources[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (OSError, SyntaxError, ValueError):
            continue
        for name, _ in imports_of(sources[path]):
            local = _local_module(script.parent, name)
            if local is not None:
                pending.append(local)
    return sources


_FIND_SPECS = (
    "import importlib.util, json, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "missing = []\n"
    "for name in json.loads(sys.argv[2]):\n"
    "    try:\n"
    "        found = importlib.util.find_spec(name) is not None\n"
    "    except (ImportError, ValueError):\n"
    "        found = False\n"
    "    if not found:\n"
    "        missing.append(name)\n"
    "print(json.dumps(missing))\n"
)


def unresolved_modules(interpreter: str, directory: Path, names: Iterable[str]) -> list[str]:
    """The modules of ``names`` that ``interpreter`` cannot import (the program's folder first on its path)."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    try:
        proc = subprocess.run(
            [interpreter, "-c", _FIND_SPECS, str(directory), json.dumps(wanted)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return [str(name) for name in json.loads(proc.stdout)]
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []  # the trials will tell


def missing_module_problem(
    module: str, program: Program, where: Sequence[str] = (), *, seen_in_log: bool = False
) -> SetupProblem:
    """The problem and fix for a module the Python runner's interpreter cannot import."""
    interpreter = program.argv[0] if program.runner == "python" else "the image's Python"
    requirements = program.directory / "requirements.txt"
    install = (
        f"{interpreter} -m pip install -r {requirements}"
        if requirements.is_file()
        else f"{interpreter} -m pip install {DISTRIBUTIONS.get(module, module)}"
    )
    how = "the trials' log says" if seen_in_log else "the program imports it"
    return SetupProblem(
        "missing-module",
        f"module {module!r} is not installed in the interpreter the Python runner uses ({interpreter}, the one that "
        f"runs sagemaker-hpo and the CDK app); {how}. The image may well have it: this is this machine's setup, "
        "not the job",
        f"install the program's requirements there ({install}), or run the image itself with --runner docker",
        tuple(where),
    )


def hard_coded_root_problem(where: Sequence[str]) -> SetupProblem:
    """The problem and fix for a program that reads or writes ``/opt/ml`` directly."""
    return SetupProblem(
        "hard-coded-root",
        f"the program uses {CONTAINER_ROOT} directly: the Python runner gives each trial its own folder instead and "
        f"names it in the environment variable OPT_ML_DIR (on SageMaker, and with --runner docker, it is {CONTAINER_ROOT})",
        f"in the program, {ROOT_FIX}; or run the image itself with --runner docker",
        tuple(where),
    )


def hard_coded_roots(sources: dict[Path, ast.Module]) -> list[str]:
    """``file:line: '/opt/ml/...'`` for each string literal under ``/opt/ml`` in a file that never reads OPT_ML_DIR."""
    found: list[str] = []
    for path, tree in sources.items():
        literals = [
            (node.lineno, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        ]
        if any("OPT_ML_DIR" in value for _, value in literals):
            continue
        for line, value in literals:
            if value == CONTAINER_ROOT or value.startswith(CONTAINER_ROOT + "/"):
                found.append(f"{path.name}:{line}: {value!r}")
    return found


def setup_problems(program: Program) -> list[SetupProblem]:
    """What would make every local trial of the Python runner fail, found before running any (none for Docker)."""
    if program.runner != "python" or len(program.argv) < 2:
        return []
    script = Path(program.argv[1])
    sources = program_sources(script)
    problems: list[SetupProblem] = []
    imported: dict[str, list[str]] = {}
    for path, tree in sources.items():
        for name, line in imports_of(tree):
            if _local_module(script.parent, name) is None:
                imported.setdefault(name, []).append(f"{path.name}:{line}")
    for module in unresolved_modules(program.argv[0], script.parent, imported):
        problems.append(missing_module_problem(module, program, imported[module][:3]))
    roots = hard_coded_roots(sources)
    if roots:
        problems.append(hard_coded_root_problem(roots[:5]))
    return problems


def problem_in_log(text: str, program: Program) -> SetupProblem | None:
    """The setup problem a failed trial's output shows, if any (a missing module; a missing file under /opt/ml)."""
    module = _MISSING_MODULE.search(text)
    if module is not None and program.runner == "python":
        return missing_module_problem(module.group(1).split(".")[0], program, seen_in_log=True)
    path = _MISSING_PATH.search(text)
    if path is not None and program.runner == "python":
        return hard_coded_root_problem((f"the log: {path.group(0)}",))
    return None
