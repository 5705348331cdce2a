"""The published sample configuration: built-in XGBoost tuned with Hyperband, against the platform's buckets."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_hpo import (
    ContinuousRange,
    HpoPlatform,
    Hyperband,
    IntegerRange,
    Objective,
    TrainingDefinition,
    TrainingImage,
    TuningJob,
)
from sagemaker_hpo.platform import default_namespace
from sagemaker_hpo.strategy import Strategy

#: The published sample's strategy: Hyperband with MinResource 10 and MaxResource 100.
PUBLISHED_HYPERBAND = Hyperband(min_resource=10, max_resource=100)

#: Where the sample's channels and output live in the platform's buckets.
TRAIN_PREFIX = "xgboost/train/"
VALIDATION_PREFIX = "xgboost/validation/"
OUTPUT_PREFIX = "xgboost/"


class XgboostHyperbandStack(cdk.Stack):
    """XGBoost on SageMaker's built-in image: Hyperband 10..100, 20 jobs, 5 in parallel, maximize validation:auc.

    The platform (``HpoPlatformStack``) is imported from its SSM parameters: the channels are read from its data
    bucket (``xgboost/train/``, ``xgboost/validation/``), the model goes to its artifacts bucket
    (``output/xgboost/``, encrypted with its key), the jobs run as its training role and are created by its provider.

    :param platform_namespace: the platform's SSM namespace. Default: the default platform's.
    :param strategy: the search strategy. Default: the published ``Hyperband(min_resource=10, max_resource=100)``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_namespace: str | None = None,
        strategy: Strategy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        #: The imported platform.
        self.platform = HpoPlatform.from_parameters(
            self, "Platform", namespace=platform_namespace or default_namespace()
        )
        self.tuning_job = TuningJob(
            self,
            "XgbTuning",
            strategy=strategy or PUBLISHED_HYPERBAND,
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
                inputs={
                    "train": self.platform.data_input(TRAIN_PREFIX),
                    "validation": self.platform.data_input(VALIDATION_PREFIX),
                },
                output_path=self.platform.output_location(OUTPUT_PREFIX),
                output_kms_key=self.platform.key,
                role=self.platform.training_role,
                instance_type="ml.m5.xlarge",
                static_hyperparameters={"objective": "binary:logistic", "num_round": 100},
            ),
            provider=self.platform.provider,
        )
        cdk.CfnOutput(self, "TuningJobName", value=self.tuning_job.tuning_job_name)
