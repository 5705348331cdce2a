"""``status --json``: the summary as one JSON document (times in ISO 8601, unknown values as ``null``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .summary import JobSummary, TrainingJob

#: Version of the document's layout (bumped when a key changes meaning or goes away).
SCHEMA_VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def training_job_dict(job: TrainingJob) -> dict[str, Any]:
    """One training job as JSON values."""
    return {
        "name": job.name,
        "status": job.status,
        "objective_value": job.objective_value,
        "objective_status": job.objective_status,
        "definition_name": job.definition_name,
        "creation_time": _iso(job.creation_time),
        "start_time": _iso(job.start_time),
        "end_time": _iso(job.end_time),
        "elapsed_seconds": job.elapsed_seconds,
        "tuned_hyperparameters": dict(job.tuned_hyperparameters),
        "static_hyperparameters": None if job.static_hyperparameters is None else dict(job.static_hyperparameters),
        "billable_seconds": job.billable_seconds,
        "instance_count": job.instance_count,
        "instance_type": job.instance_type,
        "model_artifacts": job.model_artifacts,
        "failure_reason": job.failure_reason,
    }


def summary_dict(summary: JobSummary, top: int) -> dict[str, Any]:
    """What ``status`` shows, as JSON values: the job, its counters, best and ``top`` training jobs, hours."""
    hours = summary.instance_hours
    return {
        "schema_version": SCHEMA_VERSION,
        "name": summary.name,
        "arn": summary.arn,
        "status": summary.status,
        "failure_reason": summary.failure_reason,
        "completion_reason": summary.completion_reason,
        "strategy": summary.strategy,
        "objective": {"type": summary.objective_type, "metric": summary.objective_metric},
        "read_at": _iso(summary.now),
        "creation_time": _iso(summary.creation_time),
        "end_time": _iso(summary.end_time),
        "elapsed_seconds": summary.elapsed_seconds,
        "max_runtime_seconds": summary.max_runtime_seconds,
        "time_left_seconds": summary.time_left_seconds,
        "max_jobs": summary.max_jobs,
        "max_parallel_jobs": summary.max_parallel_jobs,
        "finished_jobs": summary.finished_jobs,
        "counters": dict(summary.counters) or None,
        "training_jobs_listed": len(summary.training_jobs),
        "best_training_job": None if summary.best is None else training_job_dict(summary.best),
        "top": [training_job_dict(job) for job in summary.top(top)],
        "instance_hours": None
        if hours is None
        else {
            "billed": round(hours.billed, 4),
            "running_estimate": round(hours.running_estimate, 4),
            "used": round(hours.used, 4),
            "billed_jobs": hours.billed_jobs,
            "unknown_jobs": hours.unknown_jobs,
            "ceiling": hours.ceiling,
        },
    }


def render(summary: JobSummary, top: int) -> str:
    """The JSON document (one line per key, indented)."""
    return json.dumps(summary_dict(summary, top), indent=2, sort_keys=False)
