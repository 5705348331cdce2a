"""Tests of ``tuning_job.results``: the Data a completed job returns to CloudFormation, within the response limit."""

from __future__ import annotations

import json
from types import ModuleType

from tests.handler_support import SageMakerScript, best_training_job, created_event, handler_module, job_arn

RESULTS = handler_module("results")


def test_result_data_uses_the_best_training_job_without_an_overall_best(handler: ModuleType) -> None:
    description = {
        "HyperParameterTuningJobName": "hpo-demo-1",
        "HyperParameterTuningJobArn": job_arn("hpo-demo-1"),
        "BestTrainingJob": best_training_job({"eta": "0.4"}, value=0.91, name="own"),
    }
    assert RESULTS.result_data(description)["BestTrainingJobName"] == "own"
    overall = best_training_job({"eta": "0.3"}, value=0.95, name="overall")
    data = RESULTS.result_data({**description, "OverallBestTrainingJob": overall})
    assert data["BestTrainingJobName"] == "overall" and data["BestObjectiveValue"] == "0.95"
    assert data["BestHyperparameter.eta"] == "0.3"


def test_wait_completed_data_stays_under_the_response_limit(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    tuned = {f"hyperparameter_{index:02d}_" + "n" * 200: "v" * 250 for index in range(30)}
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(tuned))

    data = handler.is_complete(evt)["Data"]

    size = len(json.dumps(data, separators=(",", ":")).encode())
    assert size <= RESULTS.DATA_BUDGET_BYTES < 4096
    assert not any(key.startswith("BestHyperparameter.") for key in data)
    assert data["BestHyperparameters"].endswith(RESULTS.TRUNCATION_MARKER)
    assert data["TuningJobName"] == name and data["BestObjectiveValue"] == "0.9731"
    sm.assert_done()


def test_result_data_drops_per_name_keys_before_truncating(handler: ModuleType) -> None:
    tuned = {f"p{index:02d}": "x" * 60 for index in range(30)}
    description = {
        "HyperParameterTuningJobName": "hpo-demo-1",
        "HyperParameterTuningJobArn": job_arn("hpo-demo-1"),
        "BestTrainingJob": best_training_job(tuned),
    }
    data = RESULTS.result_data(description)
    assert json.loads(data["BestHyperparameters"]) == tuned  # still complete, valid JSON
    assert not any(key.startswith("BestHyperparameter.") for key in data)
    assert len(RESULTS.result_data(description, budget=100_000)) == 5 + len(tuned)
