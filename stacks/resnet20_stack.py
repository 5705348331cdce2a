"""Experiment 2 of the published comparison: ResNet-20 on CIFAR-10 on ml.g4dn.xlarge (one NVIDIA T4)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_hpo import (
    CompletionCriteria,
    ContinuousRange,
    Hyperband,
    IntegerRange,
    Objective,
    ScalingType,
)
from sagemaker_hpo.platform import GPU_IMAGE_NAME
from sagemaker_hpo.strategy import Strategy
from stacks.experiment_stack import PlatformTuningStack

#: Where the converted CIFAR-10 channels live in the platform's data bucket (see the image's README).
CIFAR_TRAIN_PREFIX = "cifar10/train/"
CIFAR_VALIDATION_PREFIX = "cifar10/validation/"
#: Epochs per training job: Hyperband's MaxResource is inferred from this static hyperparameter.
RESNET_EPOCHS = 50
#: The published experiment measured the wall clock to this validation accuracy.
RESNET_TARGET_ACCURACY = 0.87


class Resnet20HyperbandStack(PlatformTuningStack):
    """ResNet-20 on CIFAR-10 with SGD on the platform's GPU training image (``workload=resnet20``).

    Managed spot training with checkpoints in the platform's artifacts bucket: an interrupted training job resumes
    from its newest epoch. The job stops once a training job reaches 0.87 validation accuracy (published: Hyperband
    under 2,000 s, Bayesian about 9,000 s, Random 10,000 s).
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
        """Define a ``Resnet20HyperbandStack``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param platform_namespace: the platform's SSM namespace. Default: the default platform's.
        :param strategy: the search strategy. Default: Hyperband with ``min_resource=1`` (``max_resource`` inferred
            from ``epochs``).
        """
        super().__init__(scope, construct_id, platform_namespace=platform_namespace, **kwargs)
        self.tuning_job = self.add_tuning_job(
            "Resnet20Tuning",
            strategy=strategy or Hyperband(min_resource=1),
            objective=Objective.maximize("validation:accuracy"),
            parameter_ranges=[
                IntegerRange("batch_size", 4, 512, ScalingType.LOGARITHMIC),
                ContinuousRange("learning_rate", 1e-6, 1e-1, ScalingType.LOGARITHMIC),
                ContinuousRange("momentum", 0.01, 0.99, ScalingType.REVERSE_LOGARITHMIC),
                ContinuousRange("weight_decay", 1e-5, 1, ScalingType.LOGARITHMIC),
            ],
            max_jobs=50,
            max_parallel_jobs=5,
            completion_criteria=CompletionCriteria(target_objective_value=RESNET_TARGET_ACCURACY),
            output_prefix="resnet20/",
            training={
                "image": self.platform.training_image(GPU_IMAGE_NAME),
                "inputs": {
                    "train": self.platform.data_input(CIFAR_TRAIN_PREFIX),
                    "validation": self.platform.data_input(CIFAR_VALIDATION_PREFIX),
                },
                "checkpoint_path": self.platform.checkpoint_location("resnet20/"),
                "instance_type": "ml.g4dn.xlarge",
                "use_spot_instances": True,
                "max_runtime": cdk.Duration.hours(2),
                "max_wait": cdk.Duration.hours(4),
                "static_hyperparameters": {"workload": "resnet20", "epochs": RESNET_EPOCHS},
            },
        )
