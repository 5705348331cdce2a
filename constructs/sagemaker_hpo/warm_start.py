"""Warm start: a tuning job that begins from what earlier tuning jobs learned."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from ._contract import contract
from ._validation import Checker, is_unresolved

if TYPE_CHECKING:  # pragma: no cover
    from .tuning_job import TuningJob

_JOB_NAME = re.compile(contract.JOB_NAME_PATTERN)
MAX_PARENT_JOBS = 5


class WarmStartType(str, Enum):
    """What the parent jobs share with the new one (the API's ``HyperParameterTuningJobWarmStartType``)."""

    #: Same data and training image; only the ranges or limits changed.
    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    #: Different data, image or hyperparameters: the parents' results are used as prior knowledge.
    TRANSFER_LEARNING = "TransferLearning"


@dataclass(frozen=True, kw_only=True)
class WarmStart:
    """Start a tuning job from 1 to 5 earlier tuning jobs with the same objective.

    :param parents: the parent jobs: ``TuningJob`` constructs of this app, or names of existing tuning jobs.
    :param type: how the parents relate to the new job. Default: ``IDENTICAL_DATA_AND_ALGORITHM``.
    """

    parents: Sequence[TuningJob | str]
    type: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM

    def _validate(self, check: Checker, child: TuningJob, hyperband: bool) -> None:
        check.count_between("warm_start.parents", self.parents, 1, MAX_PARENT_JOBS)
        child_total = child.hyperparameter_count
        child_kinds = {r.name: type(r).__name__ for r in child.parameter_ranges}
        for index, parent in enumerate(self.parents):
            where = f"warm_start.parents[{index}]"
            if isinstance(parent, str):
                if not is_unresolved(parent):
                    check.require(bool(_JOB_NAME.match(parent)), where, parent, "must be a tuning job name")
                continue
            objective = child.objective
            check.require(
                parent.objective == objective,
                where,
                parent.node.path,
                f"a parent must have the same objective ({objective.type.value} {objective.metric_name}); it has "
                f"{parent.objective.type.value} {parent.objective.metric_name}",
            )
            check.require(
                parent.wait_for_completion,
                where,
                parent.node.path,
                "a parent must have finished before this job starts: set wait_for_completion=True on it, so that "
                "its deployment waits for it",
            )
            check.require(
                parent.hyperparameter_count == child_total,
                where,
                parent.node.path,
                f"a parent must have as many static and tuned hyperparameters in total as this job ({child_total}); "
                f"it has {parent.hyperparameter_count}",
            )
            for parent_range in parent.parameter_ranges:
                kind = child_kinds.get(parent_range.name)
                check.require(
                    kind is None or kind == type(parent_range).__name__,
                    where,
                    parent.node.path,
                    f"hyperparameter {parent_range.name!r} must keep its type: it is a {type(parent_range).__name__} "
                    f"in the parent and a {kind} here",
                )
        if self.external_parent_names:
            check.warn(
                "WarmStartParentsFinished",
                "warm_start parents " + ", ".join(self.external_parent_names) + " must have finished (Completed, "
                "Stopped or Failed) before this job is created, and have as many static and tuned hyperparameters",
            )
        if hyperband:
            check.warn(
                "HyperbandWarmStart",
                "warm_start with Hyperband: Hyperband's early stopping does not use the parents' results",
            )

    @property
    def external_parent_names(self) -> list[str]:
        """The parents given by name, not as constructs of this app."""
        return [p for p in self.parents if isinstance(p, str) and not is_unresolved(p)]

    def _render(self) -> dict[str, Any]:
        return {
            "ParentHyperParameterTuningJobs": [
                {"HyperParameterTuningJobName": parent if isinstance(parent, str) else parent.tuning_job_name}
                for parent in self.parents
            ],
            "WarmStartType": self.type.value,
        }
