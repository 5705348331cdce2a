"""HPO-RANGE: the tuned hyperparameters (``ParameterRanges``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .._validation import is_unresolved
from ..ranges import CategoricalRange, ContinuousRange, IntegerRange, ScalingType
from . import service_model as model
from ._registry import Finding, Source, rule
from .subjects import JobSpec

#: At most this many tuned hyperparameters in all (the API reference; each range list's own maximum is 30 too).
MAX_TUNABLE_HYPERPARAMETERS = 30
#: Integer range bounds are 64-bit integers.
MAX_INTEGER_BOUND = 2**63 - 1


def _ranges(job: JobSpec) -> Iterator[tuple[str, Any]]:
    for index, parameter_range in enumerate(job.parameter_ranges):
        yield f"parameter_ranges[{index}] ({parameter_range.name})", parameter_range


def _numeric(job: JobSpec) -> Iterator[tuple[str, Any]]:
    for where, parameter_range in _ranges(job):
        if isinstance(parameter_range, (ContinuousRange, IntegerRange)) and not (
            is_unresolved(parameter_range.min_value) or is_unresolved(parameter_range.max_value)
        ):
            yield where, parameter_range


def _categorical(job: JobSpec) -> Iterator[tuple[str, CategoricalRange]]:
    for where, parameter_range in _ranges(job):
        if isinstance(parameter_range, CategoricalRange) and not is_unresolved(parameter_range.values):
            yield where, parameter_range


@rule(
    "HPO-RANGE-001",
    statement="1 to 30 tuned hyperparameters in all (0 with Autotune, which chooses them).",
    field="ParameterRanges",
    source=Source.API_REFERENCE,
    reference="ParameterRanges: at most 30 hyperparameters in total",
    subjects=JobSpec,
)
def _range_count(job: JobSpec, finding: Finding) -> None:
    low = 0 if job.autotune else 1
    finding.count_between("parameter_ranges", job.parameter_ranges, low, MAX_TUNABLE_HYPERPARAMETERS)


@rule(
    "HPO-RANGE-002",
    statement="A range's name is 1 to 256 characters.",
    field="ParameterRanges.*.Name",
    source=Source.SERVICE_MODEL,
    reference="shape ParameterKey (max 256)",
    subjects=JobSpec,
)
def _range_name(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _ranges(job):
        finding.length_between(f"{where}.name", parameter_range.name, 1, model.maximum("ParameterKey"))


@rule(
    "HPO-RANGE-003",
    statement="A hyperparameter appears in one range only.",
    field="ParameterRanges.*.Name",
    source=Source.API_REFERENCE,
    reference="ParameterRanges",
    subjects=JobSpec,
)
def _range_unique(job: JobSpec, finding: Finding) -> None:
    seen: set[str] = set()
    for where, parameter_range in _ranges(job):
        name = parameter_range.name
        finding.require(name not in seen, f"{where}.name", name, "a hyperparameter may appear in one range only")
        seen.add(name)


@rule(
    "HPO-RANGE-004",
    statement="A tuned hyperparameter is not also a static one.",
    field="ParameterRanges.*.Name, StaticHyperParameters",
    source=Source.API_REFERENCE,
    reference="HyperParameterTrainingJobDefinition.StaticHyperParameters",
    subjects=JobSpec,
)
def _range_not_static(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _ranges(job):
        finding.require(
            parameter_range.name not in job.static_hyperparameters,
            f"{where}.name",
            parameter_range.name,
            "is also a static hyperparameter; a hyperparameter is either tuned or static",
        )


@rule(
    "HPO-RANGE-005",
    statement="Numeric range bounds are finite numbers.",
    field="ContinuousParameterRanges.*.MinValue/MaxValue",
    source=Source.API_REFERENCE,
    reference="ContinuousParameterRange",
    subjects=JobSpec,
)
def _finite_bounds(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _numeric(job):
        for label in ("min_value", "max_value"):
            value = getattr(parameter_range, label)
            finding.require(math.isfinite(value), f"{where}.{label}", value, "must be a finite number")


@rule(
    "HPO-RANGE-006",
    statement="IntegerRange bounds are integers (64-bit).",
    field="IntegerParameterRanges.*.MinValue/MaxValue",
    source=Source.API_REFERENCE,
    reference="IntegerParameterRange: MinValue and MaxValue are integers",
    subjects=JobSpec,
)
def _integer_bounds(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _numeric(job):
        if not isinstance(parameter_range, IntegerRange):
            continue
        for label in ("min_value", "max_value"):
            value = getattr(parameter_range, label)
            if not isinstance(value, int):
                finding.fail(f"{where}.{label}", value, "must be an integer for an IntegerRange")
            finding.require(
                -MAX_INTEGER_BOUND - 1 <= value <= MAX_INTEGER_BOUND,
                f"{where}.{label}",
                value,
                f"must be a 64-bit integer (at most {MAX_INTEGER_BOUND} in magnitude)",
            )


@rule(
    "HPO-RANGE-007",
    statement="A numeric range's min_value is less than its max_value.",
    field="*ParameterRanges.*.MinValue",
    source=Source.API_REFERENCE,
    reference="ContinuousParameterRange, IntegerParameterRange",
    subjects=JobSpec,
)
def _min_below_max(job: JobSpec, finding: Finding) -> None:
    for where, r in _numeric(job):
        finding.require(
            r.min_value < r.max_value, f"{where}.min_value", r.min_value, f"must be less than max_value ({r.max_value})"
        )


@rule(
    "HPO-RANGE-008",
    statement="Logarithmic scaling needs min_value > 0.",
    field="*ParameterRanges.*.ScalingType",
    source=Source.API_REFERENCE,
    reference="HyperParameterScalingType Logarithmic",
    subjects=JobSpec,
)
def _logarithmic(job: JobSpec, finding: Finding) -> None:
    for where, r in _numeric(job):
        if r.scaling is ScalingType.LOGARITHMIC:
            finding.require(
                r.min_value > 0, f"{where}.min_value", r.min_value, "Logarithmic scaling needs min_value > 0"
            )


@rule(
    "HPO-RANGE-009",
    statement="ReverseLogarithmic scaling is for continuous ranges only.",
    field="IntegerParameterRanges.*.ScalingType",
    source=Source.API_REFERENCE,
    reference="HyperParameterScalingType ReverseLogarithmic",
    subjects=JobSpec,
)
def _reverse_log_continuous(job: JobSpec, finding: Finding) -> None:
    for where, r in _numeric(job):
        if r.scaling is ScalingType.REVERSE_LOGARITHMIC:
            finding.require(
                isinstance(r, ContinuousRange),
                f"{where}.scaling",
                r.scaling.value,
                "ReverseLogarithmic scaling is allowed for continuous ranges only",
            )


@rule(
    "HPO-RANGE-010",
    statement="ReverseLogarithmic scaling needs 0 <= min_value and max_value < 1.",
    field="ContinuousParameterRanges.*.MinValue/MaxValue",
    source=Source.API_REFERENCE,
    reference="HyperParameterScalingType ReverseLogarithmic",
    subjects=JobSpec,
)
def _reverse_log_bounds(job: JobSpec, finding: Finding) -> None:
    for where, r in _numeric(job):
        if r.scaling is ScalingType.REVERSE_LOGARITHMIC:
            finding.require(
                r.min_value >= 0, f"{where}.min_value", r.min_value, "ReverseLogarithmic scaling needs min_value >= 0"
            )
            finding.require(
                r.max_value < 1, f"{where}.max_value", r.max_value, "ReverseLogarithmic scaling needs max_value < 1"
            )


@rule(
    "HPO-RANGE-011",
    statement="A CategoricalRange's values are a list, not a bare string.",
    field="CategoricalParameterRanges.*.Values",
    source=Source.LIBRARY,
    reference="a string is a sequence of characters: CategoricalRange('booster', 'dart') would tune d, a, r, t",
    subjects=JobSpec,
)
def _categorical_list(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _ranges(job):
        if isinstance(parameter_range, CategoricalRange):
            values: Any = parameter_range.values
            if isinstance(values, (str, bytes)):
                finding.fail(
                    f"{where}.values", values, f"must be a list of values, e.g. [{values!r}], not a bare string"
                )
            if not isinstance(values, (list, tuple)) and not is_unresolved(values):
                finding.wrong_type(f"{where}.values", values, "a list of str, int, float or bool")


@rule(
    "HPO-RANGE-012",
    statement="Categorical values are str, int, float or bool (never None, a dict or a list).",
    field="CategoricalParameterRanges.*.Values",
    source=Source.LIBRARY,
    reference="values are sent as strings: only scalars have one obvious string",
    subjects=JobSpec,
)
def _categorical_scalars(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _categorical(job):
        for index, value in enumerate(parameter_range.values):
            if not isinstance(value, (str, int, float, bool)):
                finding.wrong_type(f"{where}.values[{index}]", value, "a str, int, float or bool")


@rule(
    "HPO-RANGE-013",
    statement="A CategoricalRange has 1 to 30 values.",
    field="CategoricalParameterRanges.*.Values",
    source=Source.SERVICE_MODEL,
    reference="shape ParameterValues (min 1, max 30)",
    subjects=JobSpec,
)
def _categorical_count(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _categorical(job):
        finding.count_between(
            f"{where}.values",
            parameter_range.values,
            model.minimum("ParameterValues"),
            model.maximum("ParameterValues"),
        )


@rule(
    "HPO-RANGE-014",
    statement="A CategoricalRange's values are unique (as the strings SageMaker receives).",
    field="CategoricalParameterRanges.*.Values",
    source=Source.API_REFERENCE,
    reference="CategoricalParameterRange",
    subjects=JobSpec,
)
def _categorical_unique(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _categorical(job):
        rendered = parameter_range._value_strings()
        duplicates = sorted({v for v in rendered if rendered.count(v) > 1})
        finding.require(not duplicates, f"{where}.values", duplicates, "values must be unique")


@rule(
    "HPO-RANGE-015",
    statement="A categorical value is 1 to 256 characters.",
    field="CategoricalParameterRanges.*.Values[]",
    source=Source.SERVICE_MODEL,
    reference="shape ParameterValue (max 256)",
    subjects=JobSpec,
)
def _categorical_length(job: JobSpec, finding: Finding) -> None:
    for where, parameter_range in _categorical(job):
        for value in parameter_range._value_strings():
            finding.length_between(f"{where}.values", value, 1, model.maximum("ParameterValue"))
