"""Warm start: a tuning job that begins from what earlier tuning jobs learned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from ._validation import is_unresolved

if TYPE_CHECKING:  # pragma: no cover
    from .tuning_job import TuningJob


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
