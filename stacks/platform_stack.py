"""The account bootstrap: one ``HpoPlatform`` (key, buckets, provider) with two teams, published to SSM."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from sagemaker_hpo import Guardrails, HpoPlatform, TrainingImage
from sagemaker_hpo.gpu_image import load_metric_definitions
from sagemaker_hpo.platform import DEFAULT_PLATFORM_NAME, GPU_IMAGE_NAME
from sagemaker_hpo.team import Team

#: The team the three published experiments belong to.
VISION_TEAM = "vision"
#: A second team, to show that teams are kept apart.
RESEARCH_TEAM = "research"
#: The tag the packaged GPU training image is pushed under in the vision team's repository (see README).
GPU_IMAGE_TAG = "gpu-training"

#: The vision team's limits: the three experiments fit inside them.
VISION_GUARDRAILS = Guardrails(
    instance_types=["ml.m5.*", "ml.g4dn.*"],
    max_instances_per_job=1,
    max_parallel_jobs=5,
    max_instance_hours=500,
    max_training_runtime=cdk.Duration.days(1),
)
#: The research team's limits: CPU instances only, small budgets, every job tagged with a cost center.
RESEARCH_GUARDRAILS = Guardrails(
    instance_types=["ml.m5.large", "ml.m5.xlarge"],
    max_instances_per_job=1,
    max_parallel_jobs=2,
    max_instance_hours=50,
    max_training_runtime=cdk.Duration.hours(4),
    required_tags=["cost-center"],
)


class HpoPlatformStack(cdk.Stack):
    """The platform stack: deploy it once per account and region, before the stacks that import its teams.

    It holds the ``HpoPlatform`` and its two teams: ``vision`` (the three published experiments; it may pull from
    the ``TrainingImages`` repository, where the packaged GPU image is pushed as ``gpu-training``) and ``research``.
    Consumer stacks import a team with ``HpoPlatform.from_parameters(self, "Platform", namespace=..., team=...)``;
    pass them :attr:`namespace`, and make them depend on this stack when they are in the same app.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_name: str = DEFAULT_PLATFORM_NAME,
        include_gpu_image: bool = False,
        **kwargs: Any,
    ) -> None:
        """Define a ``HpoPlatformStack``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param platform_name: the platform's name; its SSM namespace is ``/sagemaker-hpo/<name>/``. Default: ``"default"``.
        :param include_gpu_image: also build the packaged GPU image as a Docker image asset for the platform's own
            (shared) role (``cdk deploy`` then needs Docker; teams never pull from the CDK assets repository).
            Default: False.
        """
        super().__init__(
            scope,
            construct_id,
            description=kwargs.pop(
                "description",
                "sagemaker-hpo platform: training buckets, KMS key, team roles and tuning-job providers",
            ),
            **kwargs,
        )
        #: The platform construct.
        self.platform = HpoPlatform(self, "Platform", name=platform_name, include_gpu_image=include_gpu_image)
        #: The repository the vision team's images are pushed to (retained on ``cdk destroy``).
        self.image_repository = ecr.Repository(self, "TrainingImages", image_scan_on_push=True)
        #: The team of the three published experiments.
        self.vision: Team = self.platform.add_team(
            VISION_TEAM,
            repositories=[self.image_repository],
            images={
                GPU_IMAGE_NAME: TrainingImage.from_ecr_repository(
                    self.image_repository, GPU_IMAGE_TAG, metric_definitions=load_metric_definitions()
                )
            },
            guardrails=VISION_GUARDRAILS,
        )
        #: A second team: nothing it deploys can touch the vision team's data, models or jobs.
        self.research: Team = self.platform.add_team(RESEARCH_TEAM, guardrails=RESEARCH_GUARDRAILS)

    @property
    def namespace(self) -> str:
        """The SSM namespace the platform publishes under."""
        return self.platform.namespace
