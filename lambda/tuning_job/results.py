"""The ``Data`` returned to CloudFormation (read with ``Fn::GetAtt``), kept within the response size limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from . import contract
from .logs import log
from .sagemaker import JOB_NAME_KEY

#: Bytes of compact JSON allowed for ``Data``: the whole response (status, ids, reason, data) must fit in the
#: 4096 bytes CloudFormation allows a custom resource response.
DATA_BUDGET_BYTES = 3000
TRUNCATION_MARKER = "...(truncated)"


def base_data(description: Mapping[str, Any]) -> dict[str, str]:
    return {
        contract.ATTR_TUNING_JOB_NAME: str(description[JOB_NAME_KEY]),
        contract.ATTR_TUNING_JOB_ARN: str(description["HyperParameterTuningJobArn"]),
    }


def response(physical_id: str, data: dict[str, str]) -> dict[str, Any]:
    return {"PhysicalResourceId": physical_id, "Data": data}


def _data_size(data: Mapping[str, str]) -> int:
    return len(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def result_data(description: Mapping[str, Any], budget: int = DATA_BUDGET_BYTES) -> dict[str, str]:
    """Data of a completed job: name, ARN and the best training job, bounded to ``budget`` bytes of JSON.

    The best training job is ``OverallBestTrainingJob`` when SageMaker reports one (a warm start of type
    IdenticalDataAndAlgorithm: the best across the parent jobs and this one), ``BestTrainingJob`` otherwise.
    Per-hyperparameter keys are dropped first (all of them, so attributes never half-exist); then the
    BestHyperparameters JSON is truncated (ending with TRUNCATION_MARKER).
    """
    best = description.get("OverallBestTrainingJob") or description.get("BestTrainingJob") or {}
    tuned = {str(key): str(value) for key, value in (best.get("TunedHyperParameters") or {}).items()}
    objective = (best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value")
    data = base_data(description)
    data[contract.ATTR_BEST_TRAINING_JOB_NAME] = str(best.get("TrainingJobName", ""))
    data[contract.ATTR_BEST_OBJECTIVE_VALUE] = "" if objective is None else str(objective)
    data[contract.ATTR_BEST_HYPERPARAMETERS] = json.dumps(tuned, sort_keys=True, separators=(",", ":"))
    full = {**data, **{f"{contract.ATTR_BEST_HYPERPARAMETER_PREFIX}{k}": v for k, v in sorted(tuned.items())}}
    if _data_size(full) <= budget:
        return full
    log(logging.WARNING, "result too large, dropping per-hyperparameter attributes", bytes=_data_size(full))
    if _data_size(data) <= budget:
        return data
    return _truncate_best(data, budget)


def _truncate_best(data: dict[str, str], budget: int) -> dict[str, str]:
    """Cut BestHyperparameters (binary search on length) so that the data fits in ``budget`` bytes."""
    text = data[contract.ATTR_BEST_HYPERPARAMETERS]
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = {**data, contract.ATTR_BEST_HYPERPARAMETERS: text[:middle] + TRUNCATION_MARKER}
        if _data_size(candidate) <= budget:
            low = middle
        else:
            high = middle - 1
    log(logging.WARNING, "BestHyperparameters truncated", kept=low, total=len(text))
    return {**data, contract.ATTR_BEST_HYPERPARAMETERS: text[:low] + TRUNCATION_MARKER}
