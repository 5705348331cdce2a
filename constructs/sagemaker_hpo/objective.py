"""The tuning objective and the metric definitions that extract it from training logs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class ObjectiveType(str, Enum):
    """Whether the tuner looks for the largest or the smallest metric value."""

    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


@dataclass(frozen=True)
class Objective:
    """The metric a tuning job optimizes. Build it with ``Objective.maximize`` or ``Objective.minimize``.

    :param metric_name: the metric's name, e.g. ``validation:auc``; for a custom image it must be one of the
        job's metric definitions.
    :param type: maximize or minimize.
    """

    metric_name: str
    type: ObjectiveType

    @staticmethod
    def maximize(metric_name: str) -> Objective:
        """Look for the training job with the largest value of ``metric_name``."""
        return Objective(metric_name, ObjectiveType.MAXIMIZE)

    @staticmethod
    def minimize(metric_name: str) -> Objective:
        """Look for the training job with the smallest value of ``metric_name``."""
        return Objective(metric_name, ObjectiveType.MINIMIZE)

    def _render(self) -> dict[str, Any]:
        return {"Type": self.type.value, "MetricName": self.metric_name}


@dataclass(frozen=True)
class MetricDefinition:
    """How SageMaker reads a metric from the training job's log: the first capture group of ``regex``.

    For Hyperband, the training program must print the objective metric after every epoch and the regex must
    match each of those lines, not only a final summary.

    :param name: the metric's name (1 to 255 characters).
    :param regex: a regular expression with exactly one capture group (1 to 500 characters).
    """

    name: str
    regex: str

    def _render(self) -> dict[str, str]:
        return {"Name": self.name, "Regex": self.regex}
