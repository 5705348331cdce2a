"""Tests of ``job_waiter.outcome``: the best training job of a completed tuning job, as the ``BestTrainingJob``
resource's Data within the response limit.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from botocore.stub import Stubber

from tests.handlers.job_waiter.support import (
    BEST,
    JOB,
    REASON,
    best_summary,
    cfn_event,
    cfn_response,
    contract,
    describe_response,
    waiter,
)


def test_best_training_job_returns_name_objective_artifacts_and_hyperparameters(
    server: str, sagemaker: Stubber
) -> None:
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response("Completed", BestTrainingJob=best_summary()),
        {"HyperParameterTuningJobName": JOB},
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": BEST,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{BEST}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
        {"TrainingJobName": BEST},
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {
        "BestTrainingJobName": BEST,
        "BestObjectiveValue": "0.9412",
        "BestModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz",
        "BestHyperparameters": '{"eta":"0.21","max_depth":"6"}',
        "BestHyperparameter.eta": "0.21",
        "BestHyperparameter.max_depth": "6",
    }
    assert len(json.dumps(response).encode()) <= 4096


def test_best_training_job_prefers_the_overall_best_of_a_warm_start(server: str, sagemaker: Stubber) -> None:
    parent_best = "parent-job-004-aa11bb22"
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response(
            "Completed", BestTrainingJob=best_summary(), OverallBestTrainingJob=best_summary(parent_best, 0.95)
        ),
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": parent_best,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{parent_best}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://parent/{parent_best}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
        {"TrainingJobName": parent_best},
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    data = cfn_response()["Data"]
    assert data["BestTrainingJobName"] == parent_best and data["BestObjectiveValue"] == "0.95"


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_best_training_job_of_a_job_that_did_not_complete_fails_with_sagemakers_reason(
    server: str, sagemaker: Stubber, status: str
) -> None:
    sagemaker.add_response("describe_hyper_parameter_tuning_job", describe_response(status, FailureReason=REASON))
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "FAILED" and status in response["Reason"] and REASON in response["Reason"]


def test_best_training_job_data_stays_within_the_response_limit(server: str, sagemaker: Stubber) -> None:
    tuned = {f"hyperparameter_{i:02d}": "v" * 200 for i in range(30)}
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response("Completed", BestTrainingJob=best_summary(tuned=tuned)),
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": BEST,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{BEST}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "SUCCESS" and len(json.dumps(response).encode()) <= 4096
    data = response["Data"]
    assert not any(key.startswith("BestHyperparameter.") for key in data)  # all or none of them
    assert data["BestHyperparameters"].endswith("...(truncated)")
    assert data["BestModelArtifacts"].endswith("/output/model.tar.gz")
