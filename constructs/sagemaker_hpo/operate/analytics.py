"""``sagemaker-hpo analytics JOB --out FILE.csv``: one row per training job, with the csv module (no pandas).

The columns are those of the SageMaker Python SDK's ``HyperparameterTuningJobAnalytics.dataframe()``, in its order
(the tuned hyperparameters, then ``TrainingJobName``, ``TrainingJobStatus``, ``FinalObjectiveValue``,
``TrainingStartTime``, ``TrainingEndTime``, ``TrainingElapsedTimeSeconds``, and ``TrainingJobDefinitionName`` when
the job has several training definitions), then :data:`EXTRA_COLUMNS` and the static hyperparameters each training
job ran with. Times are ISO 8601; a value SageMaker has not returned yet is an empty cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .summary import JobSummary, TrainingJob

#: The SDK's columns after the tuned hyperparameters.
SDK_COLUMNS = (
    "TrainingJobName",
    "TrainingJobStatus",
    "FinalObjectiveValue",
    "TrainingStartTime",
    "TrainingEndTime",
    "TrainingElapsedTimeSeconds",
)
DEFINITION_COLUMN = "TrainingJobDefinitionName"
#: Columns this library adds after the SDK's.
EXTRA_COLUMNS = ("BillableTimeInSeconds", "InstanceCount", "InstanceType")


def _ordered_union(groups: Iterable[Iterable[str]], exclude: Sequence[str] = ()) -> list[str]:
    names: list[str] = []
    seen = set(exclude)
    for group in groups:
        for name in group:
            if name not in seen:
                seen.add(name)
                names.append(name)
    return names


def columns(jobs: Sequence[TrainingJob]) -> list[str]:
    """The header of the CSV for ``jobs``."""
    tuned = _ordered_union(job.tuned_hyperparameters for job in jobs)
    fixed = [*SDK_COLUMNS]
    if any(job.definition_name for job in jobs):
        fixed.append(DEFINITION_COLUMN)
    fixed.extend(EXTRA_COLUMNS)
    static = _ordered_union((job.static_hyperparameters or {} for job in jobs), exclude=[*tuned, *fixed])
    return [*tuned, *fixed, *static]


def row(job: TrainingJob) -> dict[str, Any]:
    """One training job's cells (absent keys are empty cells)."""
    cells: dict[str, Any] = {**(job.static_hyperparameters or {}), **job.tuned_hyperparameters}
    cells.update(
        {
            "TrainingJobName": job.name,
            "TrainingJobStatus": job.status,
            "FinalObjectiveValue": job.objective_value,
            "TrainingStartTime": job.start_time.isoformat() if job.start_time else None,
            "TrainingEndTime": job.end_time.isoformat() if job.end_time else None,
            "TrainingElapsedTimeSeconds": job.elapsed_seconds,
            DEFINITION_COLUMN: job.definition_name,
            "BillableTimeInSeconds": job.billable_seconds,
            "InstanceCount": job.instance_count,
            "InstanceType": job.instance_type,
        }
    )
    return cells


def write_csv(summary: JobSummary, path: Path) -> int:
    """Write one row per training job of ``summary`` to ``path``; return the number of rows."""
    jobs = summary.training_jobs
    header = columns(jobs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", restval="")
        writer.writeheader()
        for job in jobs:
            writer.writerow({k: ("" if v is None else v) for k, v in row(job).items()})
    return len(jobs)
