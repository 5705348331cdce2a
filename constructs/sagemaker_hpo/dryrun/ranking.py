"""What "best" means in the dry run, defined once for the progress display, the summary, the table and the plot.

A trial's objective is **SageMaker's final objective value**: the last value its log gave (a trial stopped by the
strategy counts with its value at the stop, as on SageMaker). The best trial has the best final objective. The best
single epoch of a trial is shown beside it when it differs, never in its place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .trials import EpochValue, TrialRecord

#: Rows of the table of top configurations.
TOP_ROWS = 5


def better(value: float, than: float | None, maximize: bool) -> bool:
    """Whether ``value`` is better than ``than`` (anything beats None)."""
    return than is None or (value > than if maximize else value < than)


def final_objective(record: TrialRecord) -> float | None:
    """The trial's final objective value, if finite (SageMaker's ``FinalMetricDataList`` objective)."""
    value = record.final_value
    return value if value is not None and math.isfinite(value) else None


def best_epoch(record: TrialRecord, maximize: bool) -> EpochValue | None:
    """The trial's best single epoch (shown beside the final value when it differs)."""
    best: EpochValue | None = None
    for point in record.curve:
        if math.isfinite(point.value) and better(point.value, best.value if best else None, maximize):
            best = point
    return best


def ranked(trials: Sequence[TrialRecord], maximize: bool) -> list[TrialRecord]:
    """The trials with a final objective, best first (ties: the earlier trial first)."""
    scored = [t for t in trials if final_objective(t) is not None]
    return sorted(scored, key=lambda t: ((-1 if maximize else 1) * (final_objective(t) or 0.0), t.number))


def best_trial(trials: Sequence[TrialRecord], maximize: bool) -> TrialRecord | None:
    """The trial with the best final objective value (stopped trials count with their last value, as on SageMaker)."""
    order = ranked(trials, maximize)
    return order[0] if order else None


@dataclass(frozen=True)
class Ranked:
    """One row of the table of top configurations.

    :param rank: 1 for the best.
    :param record: the trial.
    :param tuned: the hyperparameters the search chose (the ranges'), by name.
    :param maximize: whether larger is better.
    """

    rank: int
    record: TrialRecord
    tuned: dict[str, str]
    maximize: bool

    def as_dict(self) -> dict[str, Any]:
        """The row for ``report.json``."""
        point = best_epoch(self.record, self.maximize)
        return {
            "rank": self.rank,
            "trial": self.record.number,
            "objective": final_objective(self.record),
            "best_epoch_value": point.value if point else None,
            "best_epoch": point.epoch if point else None,
            "epochs": len(self.record.curve),
            "state": self.record.state,
            "stop_reason": self.record.stop_reason,
            "hyperparameters": self.tuned,
        }


def top_configurations(
    trials: Sequence[TrialRecord], range_names: Sequence[str], maximize: bool, rows: int = TOP_ROWS
) -> list[Ranked]:
    """The best ``rows`` trials by final objective, with the hyperparameters of the ranges only."""
    return [
        Ranked(
            index + 1,
            record,
            {n: record.hyperparameters[n] for n in range_names if n in record.hyperparameters},
            maximize,
        )
        for index, record in enumerate(ranked(trials, maximize)[:rows])
    ]


def objective_text(value: float | None, epoch: EpochValue | None = None) -> str:
    """``0.972`` or ``0.972 (best epoch 0.976 at 14)``: the final objective, the best epoch beside it if different."""
    if value is None:
        return "-"
    text = f"{value:.4g}"
    if epoch is not None and f"{epoch.value:.4g}" != text:
        text += f" (best epoch {epoch.value:.4g} at {epoch.epoch})"
    return text
