"""What a tuning job offers other constructs: its name and ARN, grants on it, and importing one by name."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._validation import ValidationError
from .provider import tuning_job_arn

#: What ``grant_read`` allows: the job's description and its training jobs.
READ_ACTIONS = ("sagemaker:DescribeHyperParameterTuningJob", "sagemaker:ListTrainingJobsForHyperParameterTuningJob")
#: What ``grant_stop`` allows.
STOP_ACTIONS = ("sagemaker:StopHyperParameterTuningJob",)


class TuningJobGrants:
    """Grants on one tuning job (by its ARN), shared by ``TuningJob`` and ``ImportedTuningJob``."""

    @property
    def tuning_job_arn(self) -> str:  # pragma: no cover - provided by the classes using this mixin
        raise NotImplementedError

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``grantee`` the SageMaker ``actions`` (e.g. ``"sagemaker:AddTags"``) on this tuning job only."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[self.tuning_job_arn])

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` describe this tuning job and list its training jobs."""
        return self.grant(grantee, *READ_ACTIONS)

    def grant_stop(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` stop this tuning job (e.g. an operator's role)."""
        return self.grant(grantee, *STOP_ACTIONS)


class ImportedTuningJob(Construct, TuningJobGrants):
    """A tuning job that exists outside this app, known by name (``TuningJob.from_tuning_job_name``)."""

    def __init__(self, scope: Construct, construct_id: str, *, tuning_job_name: str) -> None:
        """Define a ``ImportedTuningJob``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param tuning_job_name: the job's name.
        """
        super().__init__(scope, construct_id)
        self._name = tuning_job_name
        Stack.of(self)  # an imported job belongs to a stack (its account and region)
        if not tuning_job_name:
            raise ValidationError(self.node.path, "tuning_job_name", tuning_job_name, "must not be empty")

    @property
    def tuning_job_name(self) -> str:
        """The job's name."""
        return self._name

    @property
    def tuning_job_arn(self) -> str:
        """The job's ARN in this stack's account and region (SageMaker ARNs carry the name in lower case)."""
        return tuning_job_arn(self._name.lower())
