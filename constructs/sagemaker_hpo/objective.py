"""The tuning objective and the metric definitions that extract it from training logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ._validation import Checker, is_unresolved


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

    def _validate(self, check: Checker) -> None:
        check.length_between("objective.metric_name", self.metric_name, 1, 255)

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

    def _validate(self, check: Checker, where: str) -> None:
        check.length_between(f"{where}.name", self.name, 1, 255)
        if is_unresolved(self.regex):
            return
        check.length_between(f"{where}.regex", self.regex, 1, 500)
        try:
            groups = re.compile(self.regex).groups
        except re.error as err:
            check.fail(f"{where}.regex", self.regex, f"must be a valid regular expression ({err})")
            return
        check.require(groups == 1, f"{where}.regex", self.regex, f"must have exactly one capture group (has {groups})")

    def _render(self) -> dict[str, str]:
        return {"Name": self.name, "Regex": self.regex}
