"""Hyperparameter ranges: the ``ParameterRanges`` of a tuning job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Union

from .hyperparameters import hyperparameter_text


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

    :param name: the hyperparameter's name as the training program reads it (1 to 256 characters).
    :param min_value: the lower bound (inclusive), a finite number.
    :param max_value: the upper bound (inclusive), a finite number greater than ``min_value``.
    :param scaling: how the range is searched. Default: ``ScalingType.AUTO``.
    """


@dataclass(frozen=True)
class IntegerRange(_NumericRange):
    """An integer hyperparameter searched between ``min_value`` and ``max_value`` (both inclusive).

    :param name: the hyperparameter's name as the training program reads it (1 to 256 characters).
    :param min_value: the lower bound, an ``int`` (64-bit).
    :param max_value: the upper bound, an ``int`` greater than ``min_value``.
    :param scaling: ``AUTO``, ``LINEAR`` or ``LOGARITHMIC``. Default: ``ScalingType.AUTO``.
    """

    min_value: int  # type: ignore[assignment]
    max_value: int  # type: ignore[assignment]

    @property
    def cardinality(self) -> int:
        """How many values the range holds."""
        return int(self.max_value) - int(self.min_value) + 1


@dataclass(frozen=True)
class CategoricalRange:
    """A hyperparameter that takes one of a list of values (1 to 30 values; sent as strings).

    :param name: the hyperparameter's name (1 to 256 characters).
    :param values: the candidate values, a list of ``str``, ``int``, ``float`` or ``bool`` (a bare string is
        refused: ``CategoricalRange("booster", ["dart"])``, not ``"dart"``). Default: none; 1 to 30 are required.
    """

    name: str
    values: Sequence[str | int | float | bool] = field(default_factory=tuple)

    def _value_strings(self) -> list[str]:
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
