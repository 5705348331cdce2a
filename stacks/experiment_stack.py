"""The base of the example tuning-job stacks: a stack that imports the platform and declares tuning jobs on it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_hpo import Guardrails, HpoPlatform, TrainingDefinition, TuningJob
from sagemaker_hpo.platform import default_namespace


class PlatformTuningStack(cdk.Stack):
    """A stack whose tuning jobs run as one team of the ``HpoPlatform`` published under ``platform_namespace``.

    The team is imported from its SSM parameters (the pattern a separate app uses too): jobs run as the team's
    training role, read and write only the team's prefixes (encrypted with the platform's key), are created by the
    team's provider and carry the team's owner tag; the team's guardrails are checked at synth time.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_namespace: str | None = None,
        team: str | None = None,
        guardrails: Guardrails | None = None,
        **kwargs: Any,
    ) -> None:
        """Define a ``PlatformTuningStack``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param platform_namespace: the platform's SSM namespace. Default: the default platform's.
        :param team: the platform team the stack belongs to. Default: the platform itself (its shared role).
        :param guardrails: the team's guardrails, checked at synth time. Default: none (then the stack's drift rule
            stops its deployment while the team has guardrails).
        """
        super().__init__(scope, construct_id, **kwargs)
        #: The imported platform team.
        self.platform = HpoPlatform.from_parameters(
            self, "Platform", namespace=platform_namespace or default_namespace(), team=team, guardrails=guardrails
        )

    def add_tuning_job(
        self, construct_id: str, *, output_prefix: str, training: dict[str, Any], **job_props: Any
    ) -> TuningJob:
        """A ``TuningJob`` on the platform, its name and its SageMaker console page published as the stack outputs
        ``TuningJobName`` and ``TuningJobConsoleUrl``.

        :param output_prefix: where model artifacts go under the team's output prefix.
        :param training: the ``TrainingDefinition`` props other than the platform's role and output location.
        :param job_props: the ``TuningJob`` props other than ``training`` and ``provider``.
        """
        job = TuningJob(
            self,
            construct_id,
            training=TrainingDefinition(
                role=self.platform.training_role,
                output_path=self.platform.output_location(output_prefix),
                **training,
            ),
            provider=self.platform.provider,
            **job_props,
        )
        cdk.CfnOutput(self, "TuningJobName", value=job.tuning_job_name, description="The SageMaker tuning job's name")
        cdk.CfnOutput(
            self,
            "TuningJobConsoleUrl",
            value=console_url(job.tuning_job_name),
            description="The tuning job in the SageMaker console",
        )
        return job


def console_url(tuning_job_name: str) -> str:
    """The SageMaker console's page of the tuning job ``tuning_job_name`` in the stack's region."""
    region = cdk.Aws.REGION
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/hyper-tuning-jobs/{tuning_job_name}"
    )
