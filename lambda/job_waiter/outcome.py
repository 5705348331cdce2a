"""What a tuning job's end means for the wait (the signal), and its best training job (the result's Data)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import contract
from .sagemaker import describe_training_job, describe_tuning_job

#: Bytes of compact JSON allowed for the result's Data (a custom resource response is at most 4096 bytes).
DATA_BUDGET_BYTES = 3000
TRUNCATION_MARKER = "...(truncated)"
#: A wait condition signal's Reason is kept to this many characters.
MAX_REASON_CHARS = 2000


def signal_for(name: str, status: str, failure_reason: str | None) -> dict[str, str]:
    """The wait condition signal for a job that ended with ``status`` (one of ``contract.FINAL_STATUSES``)."""
    if status == contract.STATUS_COMPLETED:
        return {
            "Status": "SUCCESS",
            "UniqueId": contract.SIGNAL_UNIQUE_ID,
            "Reason": f"Tuning job '{name}' completed",
            "Data": name,
        }
    reason = failure_reason or (
        "SageMaker gave no failure reason (a job stopped by StopHyperParameterTuningJob)"
        if status == contract.STATUS_STOPPED
        else "SageMaker gave no failure reason"
    )
    message = (
        f"Tuning job '{name}' ended with status {status}: {reason}. Tuning jobs are immutable: to run it again, "
        "change the request or tuning_job_name."
    )
    return {
        "Status": "FAILURE",
        "UniqueId": contract.SIGNAL_UNIQUE_ID,
        "Reason": message[:MAX_REASON_CHARS],
        "Data": name,
    }


def signal_for_event(detail: Mapping[str, Any]) -> dict[str, str] | None:
    """The signal for a state-change event's ``detail``; None while the job has not ended.

    The event carries no ``FailureReason``: for a failed or stopped job it is read with a describe.
    """
    name = str(detail.get(contract.DETAIL_JOB_NAME, ""))
    status = str(detail.get(contract.DETAIL_JOB_STATUS, ""))
    if not name or status not in contract.FINAL_STATUSES:
        return None
    reason: str | None = None
    if status != contract.STATUS_COMPLETED:
        try:
            reason = describe_tuning_job(name).get("FailureReason")
        except Exception as error:  # the signal must still go out: the wait fails either way
            reason = f"(SageMaker's reason could not be read: {type(error).__name__})"
    return signal_for(name, status, reason)


def signal_for_description(description: Mapping[str, Any]) -> dict[str, str] | None:
    """The signal for a job described with ``DescribeHyperParameterTuningJob``; None while it has not ended."""
    status = str(description.get(contract.DETAIL_JOB_STATUS, ""))
    if status not in contract.FINAL_STATUSES:
        return None
    return signal_for(str(description[contract.DETAIL_JOB_NAME]), status, description.get("FailureReason"))


def best_training_job(name: str) -> dict[str, str]:
    """The Data of the ``BestTrainingJob`` resource: the best training job of the completed job ``name``.

    The best is ``OverallBestTrainingJob`` when SageMaker reports one (a warm start of type
    IdenticalDataAndAlgorithm), ``BestTrainingJob`` otherwise, as the tuning-job resource reports it. Raises when the
    job has not completed or has no best training job.
    """
    description = describe_tuning_job(name)
    status = description.get(contract.DETAIL_JOB_STATUS)
    if status != contract.STATUS_COMPLETED:
        reason = description.get("FailureReason") or "no reason given"
        raise RuntimeError(f"Tuning job '{name}' has status {status} ({reason}); its best training job is unknown")
    best = description.get("OverallBestTrainingJob") or description.get("BestTrainingJob") or {}
    best_name = best.get("TrainingJobName")
    if not best_name:
        raise RuntimeError(f"Tuning job '{name}' completed without a best training job (no objective was reported)")
    artifacts = (describe_training_job(best_name).get("ModelArtifacts") or {}).get("S3ModelArtifacts", "")
    objective = (best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value")
    tuned = {str(key): str(value) for key, value in (best.get("TunedHyperParameters") or {}).items()}
    data = {
        contract.ATTR_BEST_TRAINING_JOB_NAME: str(best_name),
        contract.ATTR_BEST_OBJECTIVE_VALUE: "" if objective is None else str(objective),
        contract.ATTR_BEST_MODEL_ARTIFACTS: str(artifacts),
        contract.ATTR_BEST_HYPERPARAMETERS: json.dumps(tuned, sort_keys=True, separators=(",", ":")),
    }
    full = {**data, **{f"{contract.ATTR_BEST_HYPERPARAMETER_PREFIX}{k}": v for k, v in sorted(tuned.items())}}
    if _size(full) <= DATA_BUDGET_BYTES:
        return full
    if _size(data) <= DATA_BUDGET_BYTES:  # per-hyperparameter keys go first, all of them
        return data
    room = DATA_BUDGET_BYTES - _size({**data, contract.ATTR_BEST_HYPERPARAMETERS: TRUNCATION_MARKER})
    text = data[contract.ATTR_BEST_HYPERPARAMETERS]
    while (
        text
        and _size({contract.ATTR_BEST_HYPERPARAMETERS: text}) - _size({contract.ATTR_BEST_HYPERPARAMETERS: ""}) > room
    ):
        text = text[: max(0, min(len(text) - 1, room))]
    return {**data, contract.ATTR_BEST_HYPERPARAMETERS: text + TRUNCATION_MARKER}


def _size(data: Mapping[str, str]) -> int:
    return len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
