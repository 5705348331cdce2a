"""The README cannot drift from the code: every Python block runs, and the API table matches the signatures.

* Each ```` ```python ```` block of README.md is executed as it is written, in a fresh namespace that first runs the
  README's own prelude block (the one right after the ``<!-- prelude -->`` marker: imports, an app and a stack), so a
  fragment needs no hidden setup; afterwards the namespace's ``app`` is synthesized, so validation and aspects run.
* Each entry of the API table (``## The public API``) is a call signature in backticks, e.g.
  ``ContinuousRange(name, min_value, max_value, scaling_type=ScalingType.AUTO)``: its parameter names, their order,
  the keyword-only marker ``*`` and which parameters have defaults must be those of the code.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import sagemaker_hpo

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PRELUDE_MARKER = "<!-- prelude -->"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[int, str]]:
    return [(README[: match.start()].count("\n") + 1, match.group(1)) for match in BLOCK.finditer(README)]


def _prelude() -> str:
    marker = README.index(PRELUDE_MARKER)
    match = BLOCK.search(README, marker)
    assert match is not None, "the README's prelude block must follow the prelude marker"
    return match.group(1)


def test_the_readme_has_python_examples_and_a_prelude() -> None:
    assert len(_blocks()) >= 4
    assert "app = " in _prelude() and "stack = " in _prelude()


@pytest.mark.parametrize(("line", "source"), _blocks(), ids=[f"line{line}" for line, _ in _blocks()])
def test_python_block_runs(line: int, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "cdk.out"))
    namespace: dict[str, Any] = {"__name__": f"readme_line_{line}"}
    exec(compile(_prelude(), "README.md:prelude", "exec"), namespace)
    exec(compile(source, f"README.md:{line}", "exec"), namespace)
    namespace["app"].synth()


def _table_entries() -> list[str]:
    section = README.split("## The public API", 1)[1].split("\n## ", 1)[0]
    entries = []
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = row.split("|")[1]
        entries.extend(code for code in re.findall(r"`([^`]+)`", first_cell) if "(" in code)
    return entries


def _split_arguments(text: str) -> list[str]:
    """Split ``a, b=f(x, y), *, c`` at top-level commas."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _resolve(dotted: str) -> Any:
    target: Any = sagemaker_hpo
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def test_the_api_table_lists_callables() -> None:
    assert len(_table_entries()) >= 15


@pytest.mark.parametrize("entry", _table_entries())
def test_api_table_entry_matches_the_code(entry: str) -> None:
    name, arguments = re.fullmatch(r"([A-Za-z_][\w.]*)\((.*)\)", entry).groups()  # type: ignore[union-attr]
    target = _resolve(name)
    signature = inspect.signature(target.__init__ if inspect.isclass(target) and not _is_dataclass(target) else target)
    expected = []
    keyword_only_seen = False
    for parameter in signature.parameters.values():
        if parameter.name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind == parameter.KEYWORD_ONLY and not keyword_only_seen:
            expected.append("*")
            keyword_only_seen = True
        expected.append(parameter.name + ("=" if parameter.default is not parameter.empty else ""))
    written = []
    for argument in _split_arguments(arguments):
        written.append(argument if argument == "*" else argument.split("=", 1)[0] + ("=" if "=" in argument else ""))
    assert written == expected, f"README says {entry}; the code's signature is {name}{signature}"


def _is_dataclass(cls: type) -> bool:
    return hasattr(cls, "__dataclass_fields__")
