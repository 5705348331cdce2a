"""Hyperparameter ranges: the ``ParameterRanges`` of a tuning job."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from ._validation import Checker, is_unresolved


class ScalingType(str, Enum):
    """How the tuner searches a numeric range (the API's ``HyperParameterScalingType``)."""

    #: SageMaker chooses the scale.
    AUTO = "Auto"
    #: Uniform over the range.
    LINEAR = "Linear"
    #: Uniform over the logarithm of the range; needs ``min_value > 0``.
    LOGARITHMIC = "Logarithmic"
    #: Dense near 1; continuous ranges within ``0 <= min_value`` and ``max_value < 1`` only.
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


def _number_text(value: float | int) -> str:
    """Render a number as the API wants it in ranges: a string, without float noise for integral values."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class _NumericRange:
    name: str
    min_value: float
    max_value: float
    scaling: ScalingType = ScalingType.AUTO

    _KIND = "numeric"

    def _validate(self, check: Checker, where: str) -> None:
        lo, hi = self.min_value, self.max_value
        if is_unresolved(lo) or is_unresolved(hi):
            return
        for label, value in (("min_value", lo), ("max_value", hi)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                check.fail(f"{where}.{label}", value, "must be a finite number")
        check.require(lo < hi, f"{where}.min_value", lo, f"must be less than max_value ({hi})")
        if self.scaling is ScalingType.LOGARITHMIC:
            check.require(lo > 0, f"{where}.min_value", lo, "Logarithmic scaling needs min_value > 0")
        if self.scaling is ScalingType.REVERSE_LOGARITHMIC:
            check.require(
                isinstance(self, ContinuousRange),
                f"{where}.scaling",
                self.scaling.value,
                "ReverseLogarithmic scaling is allowed for continuous ranges only",
            )
            check.require(lo >= 0, f"{where}.min_value", lo, "ReverseLogarithmic scaling needs min_value >= 0")
            check.require(hi < 1, f"{where}.max_value", hi, "ReverseLogarithmic scaling needs max_value < 1")

    def _render(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "MinValue": _number_text(self.min_value),
            "MaxValue": _number_text(self.max_value),
            "ScalingType": self.scaling.value,
        }


@dataclass(frozen=True)
class ContinuousRange(_NumericRange):
    """A real-valued hyperparameter searched between ``min_value`` and ``max_value``.

    :param name: the hyperparameter's name as the training program reads it.
    :param min_value: the lower bound (inclusive).
    :param max_value: the upper bound (inclusive); must be greater than ``min_value``.
    :param scaling: how the range is searched. Default: ``ScalingType.AUTO``.
    """


@dataclass(frozen=True)
class IntegerRange(_NumericRange):
    """An integer hyperparameter searched between ``min_value`` and ``max_value`` (both inclusive).

    :param scaling: ``AUTO``, ``LINEAR`` or ``LOGARITHMIC``. Default: ``ScalingType.AUTO``.
    """

    min_value: int  # type: ignore[assignment]
    max_value: int  # type: ignore[assignment]

    def _validate(self, check: Checker, where: str) -> None:
        for label, value in (("min_value", self.min_value), ("max_value", self.max_value)):
            if not is_unresolved(value) and (isinstance(value, bool) or not isinstance(value, int)):
                check.fail(f"{where}.{label}", value, "must be an integer for an IntegerRange")
        super()._validate(check, where)

    @property
    def cardinality(self) -> int:
        """How many values the range holds."""
        return int(self.max_value) - int(self.min_value) + 1


@dataclass(frozen=True)
class CategoricalRange:
    """A hyperparameter that takes one of a list of values (1 to 30 values; sent as strings).

    :param name: the hyperparameter's name.
    :param values: the candidate values; ``str``, ``int``, ``float`` or ``bool``.
    """

    name: str
    values: Sequence[str | int | float | bool] = field(default_factory=tuple)

    def _validate(self, check: Checker, where: str) -> None:
        if is_unresolved(list(self.values)):
            return
        check.count_between(f"{where}.values", self.values, 1, 30)
        rendered = self._value_strings()
        duplicates = sorted({v for v in rendered if rendered.count(v) > 1})
        check.require(not duplicates, f"{where}.values", duplicates, "values must be unique")
        for value in rendered:
            check.length_between(f"{where}.values", value, 1, 256)

    def _value_strings(self) -> list[str]:
        from .training import hyperparameter_text

        return [hyperparameter_text(v) for v in self.values]

    @property
    def cardinality(self) -> int:
        """How many values the range holds."""
        return len(self.values)

    def _render(self) -> dict[str, Any]:
        return {"Name": self.name, "Values": self._value_strings()}


#: Any of the three range types.
ParameterRange = Union[ContinuousRange, IntegerRange, CategoricalRange]


def render_parameter_ranges(ranges: Sequence[ParameterRange]) -> dict[str, Any]:
    """The API's ``ParameterRanges`` structure for ``ranges`` (empty lists are left out)."""
    result: dict[str, Any] = {}
    for key, kind in (
        ("IntegerParameterRanges", IntegerRange),
        ("ContinuousParameterRanges", ContinuousRange),
        ("CategoricalParameterRanges", CategoricalRange),
    ):
        rendered = [r._render() for r in ranges if type(r) is kind]
        if rendered:
            result[key] = rendered
    return result
