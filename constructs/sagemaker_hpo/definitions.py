"""Several algorithms in one tuning job (``TrainingJobDefinitions``), and Autotune's auto parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from .objective import Objective
from .ranges import ParameterRange, render_parameter_ranges
from .training import TrainingDefinition


@dataclass(frozen=True)
class AutoParameter:
    """A hyperparameter Autotune chooses the range of, from an example value (``AutoParameter``), with
    ``TuningJob(autotune=True, auto_parameters=[...])``.

    :param name: the hyperparameter's name.
    :param value_hint: an example value, e.g. ``"0.1"``; Autotune infers the type and range from it.
    """

    name: str
    value_hint: str

    def _render(self) -> dict[str, Any]:
        return {"Name": self.name, "ValueHint": self.value_hint}


@dataclass(frozen=True)
class TuningDefinition:
    """One of the 2 to 10 algorithms a tuning job searches together (``HyperParameterTrainingJobDefinition`` in
    ``TrainingJobDefinitions``): ``TuningJob(..., definitions=[TuningDefinition("xgb", training=..., ...), ...])``.
    Every rule of a single-definition job applies to each definition.

    :param name: the definition's name: 1 to 64 letters, digits and hyphens, unique in the job.
    :param training: how its training jobs run.
    :param objective: its objective metric (one of its image's or metric definitions' metrics).
    :param parameter_ranges: its tuned hyperparameters. Default: none (only with ``auto_parameters`` and
        ``TuningJob(autotune=True)``).
    :param auto_parameters: hyperparameters Autotune chooses ranges for. Default: none.
    """

    name: str
    _: KW_ONLY
    training: TrainingDefinition
    objective: Objective
    parameter_ranges: Sequence[ParameterRange] = ()
    auto_parameters: Sequence[AutoParameter] = field(default_factory=tuple)

    def _render_ranges(self) -> dict[str, Any]:
        return render_ranges(self.parameter_ranges, self.auto_parameters)


def render_ranges(ranges: Sequence[ParameterRange], auto: Sequence[AutoParameter]) -> dict[str, Any]:
    """The API's ``ParameterRanges`` for tuned ranges and auto parameters."""
    rendered = render_parameter_ranges(ranges)
    if auto:
        rendered["AutoParameters"] = [parameter._render() for parameter in auto]
    return rendered
