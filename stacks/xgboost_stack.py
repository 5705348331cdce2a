"""The published sample configuration: built-in XGBoost tuned with Hyperband."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from sagemaker_hpo import (
    ContinuousRange,
    Hyperband,
    IntegerRange,
    Objective,
    TrainingDefinition,
    TrainingImage,
    TuningJob,
)

from constructs import Construct


class XgboostHyperbandStack(cdk.Stack):
    """XGBoost on SageMaker's built-in image: Hyperband 10..100, 20 jobs, 5 in parallel, maximize validation:auc."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tuning_job = TuningJob(
            self,
            "XgbTuning",
            strategy=Hyperband(min_resource=10, max_resource=100),
            objective=Objective.maximize("validation:auc"),
            parameter_ranges=[
                ContinuousRange("eta", 0, 1),
                ContinuousRange("min_child_weight", 1, 10),
                ContinuousRange("alpha", 0, 2),
                IntegerRange("max_depth", 1, 10),
            ],
            max_jobs=20,
            max_parallel_jobs=5,
            training=TrainingDefinition(
                image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
                inputs={"train": "s3://my-data/train/", "validation": "s3://my-data/validation/"},
                output_path="s3://my-data/output/",
                instance_type="ml.m5.xlarge",
                static_hyperparameters={"objective": "binary:logistic", "num_round": 100},
            ),
        )
        cdk.CfnOutput(self, "TuningJobName", value=self.tuning_job.tuning_job_name)
