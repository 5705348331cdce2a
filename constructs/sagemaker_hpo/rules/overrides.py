"""HPO-OVR: request overrides (``TuningJob.add_request_override``), checked against botocore's SageMaker model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import request_model as model
from ._registry import Finding, Source, rule


@dataclass(frozen=True)
class RequestOverride:
    """One override: a member path of the request (``TrainingJobDefinition.StoppingCondition.MaxPendingTimeInSeconds``,
    list items by index: ``TrainingJobDefinition.InputDataConfig[0].ShuffleConfig``) and its value, beside the
    request the typed props rendered."""

    path: str
    value: Any
    request: dict[str, Any] = field(compare=False)

    @cached_property
    def parts(self) -> list[str | int] | None:
        """The parsed path; ``None`` when malformed."""
        try:
            return model.parse_path(self.path)
        except ValueError:
            return None

    @cached_property
    def shape(self) -> str | None:
        """The shape the path leads to; ``None`` when it leads nowhere."""
        if self.parts is None:
            return None
        try:
            return model.shape_at(self.parts)
        except KeyError:
            return None

    @property
    def member_path(self) -> str:
        """The path without list indexes (``TrainingJobDefinition.InputDataConfig.ShuffleConfig``)."""
        return ".".join(p for p in self.parts or () if isinstance(p, str))

    def problems(self, kind: str) -> Iterator[tuple[str, str]]:
        """``(where, message)`` for each problem of ``kind`` in the value."""
        if self.shape is None:
            return
        for found, where, message in model.problems(self.value, self.shape, self.path):
            if found == kind:
                yield where, message


_FIELD = "add_request_override"


def _first(finding: Finding, override: RequestOverride, kind: str) -> None:
    for where, message in override.problems(kind):
        finding.fail(f"{_FIELD}({where!r})", override.value, message)


@rule(
    "HPO-OVR-001",
    statement="An override's path is a member path of CreateHyperParameterTuningJobRequest (list items by index), "
    "and every list it indexes is in the rendered request with that item.",
    field="(any member path)",
    source=Source.SERVICE_MODEL,
    reference="shape CreateHyperParameterTuningJobRequest and the shapes it reaches",
    subjects=RequestOverride,
)
def _known_path(override: RequestOverride, finding: Finding) -> None:
    where = f"{_FIELD}({override.path!r})"
    if override.parts is None:
        finding.fail(
            where, override.path, "must be member names joined by dots, e.g. TrainingJobDefinition.Environment"
        )
        return
    try:
        model.shape_at(override.parts)
    except KeyError as err:
        finding.fail(where, override.path, f"is not a member path of {model.REQUEST}: {err.args[0]}")
    node: Any = override.request
    for part in override.parts[:-1]:
        if isinstance(part, int):
            finding.require(
                isinstance(node, list) and part < len(node),
                where,
                override.path,
                f"the rendered request has no item [{part}] there ({len(node) if isinstance(node, list) else 0} items)",
            )
            node = node[part]
        elif isinstance(node, dict):
            if part not in node and part in ("TrainingJobDefinition", "TrainingJobDefinitions"):
                other = "TrainingJobDefinitions[i]" if part == "TrainingJobDefinition" else "TrainingJobDefinition"
                finding.fail(where, override.path, f"this job renders {other}, not {part}")
            node = node.get(part, {})


@rule(
    "HPO-OVR-002",
    statement="An override never sets a field a typed prop expresses (use the prop), one the library owns (job "
    "name, tags, role), nor a structure holding one; nor a read-only field the service returns but refuses in "
    "requests (ResourceConfig.SelectedInstanceType/Count).",
    field="(any member path)",
    source=Source.LIBRARY,
    reference="sagemaker_hpo.api_coverage: TYPED, OWNED, READ_ONLY",
    subjects=RequestOverride,
)
def _not_typed(override: RequestOverride, finding: Finding) -> None:
    from ..api_coverage import OWNED, READ_ONLY, TYPED, fold

    path = fold(override.member_path)
    where = f"{_FIELD}({override.path!r})"
    for read_only, reason in READ_ONLY.items():
        if path == read_only or read_only.startswith(path + "."):
            finding.fail(where, override.value, f"{read_only} is {reason}")
    for owned, reason in OWNED.items():
        if path == owned or path.startswith(owned + ".") or owned.startswith(path + "."):
            finding.fail(where, override.value, f"the library owns {owned}: {reason}")
    if path in TYPED:
        finding.fail(where, override.value, f"is a typed prop: use {TYPED[path]}")
    within = sorted(typed for typed in TYPED if typed.startswith(path + "."))
    if within:
        finding.fail(
            where,
            override.value,
            f"holds fields typed props express ({', '.join(within[:3])}...): set its other members",
        )


@rule(
    "HPO-OVR-003",
    statement="An override's value has the type of its shape (structure, list, map, string, integer, number, bool), "
    "and a structure names only its members and has the required ones.",
    field="(any member path)",
    source=Source.SERVICE_MODEL,
    reference="the shape's type, members and required members",
    subjects=RequestOverride,
)
def _value_type(override: RequestOverride, finding: Finding) -> None:
    _first(finding, override, "type")
    _first(finding, override, "member")


@rule(
    "HPO-OVR-004",
    statement="An override's value is within its shape's range (a number's min and max, a string's length, a list's "
    "or map's entries).",
    field="(any member path)",
    source=Source.SERVICE_MODEL,
    reference="the shape's min and max",
    subjects=RequestOverride,
)
def _value_range(override: RequestOverride, finding: Finding) -> None:
    _first(finding, override, "range")


@rule(
    "HPO-OVR-005",
    statement="An override's string value is one of its shape's enum values, where the shape has an enum.",
    field="(any member path)",
    source=Source.SERVICE_MODEL,
    reference="the shape's enum",
    subjects=RequestOverride,
)
def _value_enum(override: RequestOverride, finding: Finding) -> None:
    _first(finding, override, "enum")


@rule(
    "HPO-OVR-006",
    statement="An override's string value matches its shape's pattern, where the shape has one.",
    field="(any member path)",
    source=Source.SERVICE_MODEL,
    reference="the shape's pattern",
    subjects=RequestOverride,
)
def _value_pattern(override: RequestOverride, finding: Finding) -> None:
    _first(finding, override, "pattern")
