"""The published sample configuration: built-in XGBoost tuned with Hyperband, against the platform's buckets."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from sagemaker_hpo import ContinuousRange, Hyperband, IntegerRange, Objective, TrainingImage
from sagemaker_hpo.strategy import Strategy
from stacks.experiment_stack import PlatformTuningStack

#: Where the sample's channels and output live in the platform's buckets.
TRAIN_PREFIX = "xgboost/train/"
VALIDATION_PREFIX = "xgboost/validation/"
OUTPUT_PREFIX = "xgboost/"
#: The sample's data is CSV (label first, no header): built-in XGBoost reads libsvm unless told otherwise.
CONTENT_TYPE = "text/csv"
#: The published sample's strategy: Hyperband with MinResource 10 and MaxResource 100.
PUBLISHED_HYPERBAND = Hyperband(min_resource=10, max_resource=100)


class XgboostHyperbandStack(PlatformTuningStack):
    """XGBoost on SageMaker's built-in image: Hyperband 10..100, 20 jobs, 5 in parallel, maximize validation:auc.

    The channels are read as CSV (``text/csv``) from the platform's data bucket (``xgboost/train/``,
    ``xgboost/validation/``) and the model goes to its artifacts bucket (``output/xgboost/``, encrypted with its key).
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
        """Define a ``XgboostHyperbandStack``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param platform_namespace: the platform's SSM namespace. Default: the default platform's.
        :param strategy: the search strategy. Default: the published ``Hyperband(min_resource=10, max_resource=100)``.
        """
        super().__init__(scope, construct_id, platform_namespace=platform_namespace, **kwargs)
        self.tuning_job = self.add_tuning_job(
            "XgbTuning",
            output_prefix=OUTPUT_PREFIX,
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
            training={
                "image": TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
                "inputs": {
                    "train": self.platform.data_input(TRAIN_PREFIX, content_type=CONTENT_TYPE),
                    "validation": self.platform.data_input(VALIDATION_PREFIX, content_type=CONTENT_TYPE),
                },
                "instance_type": "ml.m5.xlarge",
                "static_hyperparameters": {"objective": "binary:logistic", "num_round": 100},
            },
        )
