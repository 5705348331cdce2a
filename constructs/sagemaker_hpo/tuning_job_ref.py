"""What a tuning job offers other constructs: its name and ARN, grants on it, and importing one by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from .events import TuningJobStatus, state_change_rule
from .provider import tuning_job_arn
from .rules import run_rules
from .rules.attributes import ImportedJobName

#: What ``grant_read`` allows: the job's description and its training jobs.
READ_ACTIONS = ("sagemaker:DescribeHyperParameterTuningJob", "sagemaker:ListTrainingJobsForHyperParameterTuningJob")
#: What ``grant_stop`` allows.
STOP_ACTIONS = ("sagemaker:StopHyperParameterTuningJob",)


class TuningJobGrants:
    """Grants on one tuning job (by its ARN) and rules on its events, shared by ``TuningJob`` and
    ``ImportedTuningJob``."""

    @property
    def tuning_job_arn(self) -> str:  # pragma: no cover - provided by the classes using this mixin
        raise NotImplementedError

    @property
    def tuning_job_name(self) -> str:  # pragma: no cover - provided by the classes using this mixin
        raise NotImplementedError

    def on_state_change(
        self,
        construct_id: str,
        *,
        target: events.IRuleTarget | None = None,
        statuses: Sequence[TuningJobStatus] | None = None,
        description: str | None = None,
        rule_name: str | None = None,
    ) -> events.Rule:
        """An EventBridge rule on this job's state-change events (``source: aws.sagemaker``, ``detail-type: SageMaker
        HyperParameter Tuning Job State Change``, ``detail.HyperParameterTuningJobName``: this job's name), like
        CDK's own ``on_state_change`` methods. SageMaker may send several events per change.

        :param construct_id: the rule's construct id, under this job.
        :param target: where matching events go, e.g. ``aws_events_targets.SnsTopic(topic)``. Default: none (add
            targets with ``rule.add_target``).
        :param statuses: only events reporting one of these statuses, e.g. ``[TuningJobStatus.COMPLETED,
            TuningJobStatus.FAILED, TuningJobStatus.STOPPED]``. Default: every status.
        :param description: the rule's description. Default: none.
        :param rule_name: the rule's physical name. Default: a name CloudFormation generates.
        """
        return state_change_rule(
            cast(Construct, self),
            construct_id,
            self.tuning_job_name,
            target=target,
            statuses=statuses,
            description=description,
            rule_name=rule_name,
        )

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
        run_rules(ImportedJobName(tuning_job_name), path=self.node.path, scope=self)  # HPO-ATTR-004

    @property
    def tuning_job_name(self) -> str:
        """The job's name."""
        return self._name

    @property
    def tuning_job_arn(self) -> str:
        """The job's ARN in this stack's account and region (SageMaker ARNs carry the name in lower case)."""
        return tuning_job_arn(self._name.lower())
