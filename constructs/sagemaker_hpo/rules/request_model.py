"""The shape of a ``CreateHyperParameterTuningJob`` request, from botocore's SageMaker model: every shape the
request reaches (members, list items, map keys and values, types, ranges, lengths, enums, patterns).

Request overrides (``TuningJob.add_request_override``) are checked against it at synth time, and
``docs/api-coverage.md`` lists its member paths. It ships as ``data/tuning-request-model.json`` (the library does not
need botocore at run time); regenerate it after upgrading botocore, and review the diff::

    python -m sagemaker_hpo.rules.request_model        # or: make rules-data

``tests/test_overrides.py`` regenerates it from the installed botocore and fails when the shipped file differs.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .._data_files import load_json, write_text

#: The request shape.
REQUEST = "CreateHyperParameterTuningJobRequest"
DATA_FILE = "data/tuning-request-model.json"
_KEYS = ("type", "min", "max", "pattern", "enum", "required")


def generate() -> dict[str, Any]:
    """The data file's content, read from the installed botocore (a development dependency)."""
    import botocore
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    shapes = model["shapes"]
    found: dict[str, Any] = {}

    def visit(name: str) -> None:
        if name in found:
            return
        shape = shapes[name]
        kept: dict[str, Any] = {key: shape[key] for key in _KEYS if key in shape}
        found[name] = kept
        if "members" in shape:
            kept["members"] = {member: ref["shape"] for member, ref in shape["members"].items()}
            for ref in shape["members"].values():
                visit(ref["shape"])
        for part in ("member", "key", "value"):
            if part in shape:
                kept[part] = shape[part]["shape"]
                visit(shape[part]["shape"])

    visit(REQUEST)
    return {"source": f"botocore {botocore.__version__}, sagemaker {model['metadata']['apiVersion']}", "shapes": found}


def render(data: dict[str, Any]) -> str:
    """The data file's text (members in the model's order: the order of ``docs/api-coverage.md``)."""
    return json.dumps(data, indent=1) + "\n"


@cache
def shipped() -> dict[str, Any]:
    """The shipped data file."""
    data: dict[str, Any] = load_json(DATA_FILE)
    return data


def shape(name: str) -> dict[str, Any]:
    """One shape: ``type`` and, where the model states them, ``min``, ``max``, ``pattern``, ``enum``, ``required``,
    ``members`` (member name to shape name), ``member`` (a list's item shape), ``key`` and ``value`` (a map's)."""
    found: dict[str, Any] = shipped()["shapes"][name]
    return found


@dataclass(frozen=True)
class MemberPath:
    """One member path of the request, e.g. ``TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds`` (the
    items of a list are walked through: ``TrainingJobDefinition.InputDataConfig.ChannelName``)."""

    path: str
    shape: str
    required: bool

    @property
    def type(self) -> str:
        """The shape's type (``structure``, ``list``, ``map``, ``string``, ``integer``, ...)."""
        return str(shape(self.shape)["type"])

    @property
    def leaf(self) -> bool:
        """A value rather than a structure: a scalar, a map, or a list of scalars."""
        found = shape(self.shape)
        if found["type"] == "structure":
            return False
        return not (found["type"] == "list" and shape(found["member"])["type"] == "structure")


def member_paths() -> Iterator[MemberPath]:
    """Every member path of the request, depth first in the model's member order."""

    def walk(name: str, prefix: str, seen: tuple[str, ...]) -> Iterator[MemberPath]:
        found = shape(name)
        if found["type"] == "list":
            yield from walk(found["member"], prefix, seen)
            return
        if found["type"] != "structure":
            return
        required = set(found.get("required", ()))
        for member, member_shape in found["members"].items():
            path = f"{prefix}.{member}" if prefix else member
            yield MemberPath(path, member_shape, member in required)
            if member_shape not in seen:
                yield from walk(member_shape, path, (*seen, member_shape))

    yield from walk(REQUEST, "", (REQUEST,))


_SEGMENT = re.compile(r"^([A-Za-z0-9]+)((?:\[\d+\])*)$")


def parse_path(path: str) -> list[str | int]:
    """``A.B[0].C`` as ``["A", "B", 0, "C"]``; ``ValueError`` for a malformed path."""
    parts: list[str | int] = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ValueError(f"{segment!r} is not a member name (letters and digits, optionally [index])")
        parts.append(match.group(1))
        parts.extend(int(index) for index in re.findall(r"\[(\d+)\]", match.group(2)))
    return parts


def shape_at(parts: list[str | int]) -> str:
    """The shape a parsed path leads to; ``KeyError`` naming the first unknown member."""
    name = REQUEST
    for part in parts:
        found = shape(name)
        if isinstance(part, int):
            if found["type"] != "list":
                raise KeyError(f"[{part}]: {name} is a {found['type']}, not a list")
            name = found["member"]
            continue
        if found["type"] == "list":  # a list's item members without an index: not addressable
            raise KeyError(f"{part}: the list before it needs an index, e.g. [0]")
        members = found.get("members", {})
        if part not in members:
            close = ", ".join(sorted(members)) if members else "none"
            raise KeyError(f"{part}: not a member of {name} (members: {close})")
        name = members[part]
    return name


def problems(value: Any, name: str, where: str) -> Iterator[tuple[str, str, str]]:
    """What is wrong with ``value`` as a ``name`` shape: ``(kind, where, message)`` with ``kind`` one of ``type``,
    ``range``, ``enum``, ``pattern``, ``member``; botocore's ``ParamValidator`` checks the same, plus enums and
    patterns it leaves to the service."""
    found = shape(name)
    kind = found["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            yield "type", where, f"must be a structure (a dict) of {name}"
            return
        members = found.get("members", {})
        for member, item in value.items():
            if member not in members:
                yield "member", f"{where}.{member}", f"is not a member of {name} (members: {', '.join(members)})"
            else:
                yield from problems(item, members[member], f"{where}.{member}")
        for member in found.get("required", ()):
            if member not in value:
                yield "member", f"{where}.{member}", f"is required in {name}"
        return
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            yield "type", where, f"must be a list of {found['member']}"
            return
        yield from _bounds(len(value), found, where, "entries")
        for index, item in enumerate(value):
            yield from problems(item, found["member"], f"{where}[{index}]")
        return
    if kind == "map":
        if not isinstance(value, dict):
            yield "type", where, "must be a map (a dict)"
            return
        yield from _bounds(len(value), found, where, "entries")
        for key, item in value.items():
            yield from problems(key, found["key"], f"{where} key {key!r}")
            yield from problems(item, found["value"], f"{where}[{key!r}]")
        return
    yield from _scalar(value, name, found, where)


def _scalar(value: Any, name: str, found: dict[str, Any], where: str) -> Iterator[tuple[str, str, str]]:
    kind = found["type"]
    if kind == "string":
        if not isinstance(value, str):
            yield "type", where, f"must be a string ({name})"
            return
        yield from _bounds(len(value), found, where, "characters")
        if "enum" in found and value not in found["enum"]:
            yield "enum", where, f"must be one of {', '.join(found['enum'])}"
        elif "pattern" in found and not re.fullmatch(found["pattern"], value):
            yield "pattern", where, f"must match {found['pattern']} ({name})"
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            yield "type", where, f"must be an integer ({name})"
            return
        yield from _bounds(value, found, where, "")
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            yield "type", where, f"must be a number ({name})"
            return
        yield from _bounds(value, found, where, "")
    elif kind == "boolean":
        if not isinstance(value, bool):
            yield "type", where, "must be a bool (True or False)"
    elif kind == "timestamp":  # pragma: no cover - the request has no timestamp member
        yield "type", where, "timestamps are not supported in overrides"


def _bounds(amount: float, found: dict[str, Any], where: str, unit: str) -> Iterator[tuple[str, str, str]]:
    low, high = found.get("min"), found.get("max")
    if found["type"] in ("integer", "long") and high is None:
        high = 2**31 - 1 if found["type"] == "integer" else 2**63 - 1
    suffix = f" {unit}" if unit else ""
    if (low is not None and amount < low) or (high is not None and amount > high):
        low_text = "" if low is None else f"at least {low}"
        high_text = "" if high is None else f"at most {high}"
        joined = " and ".join(t for t in (low_text, high_text) if t)
        yield "range", where, f"must be {joined}{suffix} (is {amount:g}{suffix})"


def main(argv: list[str] | None = None) -> int:
    """Write the data file beside this package (in a checkout: ``constructs/sagemaker_hpo/data/``)."""
    write_text(DATA_FILE, render(generate()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
