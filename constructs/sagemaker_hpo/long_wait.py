"""Waiting hours for a tuning job: a WaitCondition, the waiter function that signals it, and the best training job.

Per stack, one :class:`JobWaiter` (a small function, its role and log group). Per waited job, a :class:`LongWait`:

1. a rule on the job's state-change events, whose target is the waiter with the handle's pre-signed URL;
2. ``CheckFinished``, a custom resource created after the rule: it describes the job and signals the handle if the
   job has already ended (an existing job whose wait was turned on, or one faster than the rule). The job either
   ends before that describe (the check signals) or after the rule exists (its event signals): no end is missed;
3. the ``WaitConditionHandle`` and ``WaitCondition`` (logical ids derived from the job's request: a changed job gets
   a new pair, since CloudFormation cannot update them), created after the check;
4. :class:`BestTrainingJob`, a custom resource created after the wait that describes the job and returns its best
   training job, objective value and model artifacts as attributes.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from aws_cdk import Aws, CfnWaitCondition, CfnWaitConditionHandle, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IDependable

from ._acknowledgements import acknowledge_wildcard_resource
from ._contract import handler_asset_dir
from .events import FINAL_STATUSES, state_change_rule
from .handlers.job_waiter import contract as waiter_contract
from .provider import HANDLER_RUNTIME

#: The construct id of the waiter under its stack.
WAITER_ID = "SageMakerHpoJobWaiter"


class JobWaiter(Construct):
    """The function behind every long wait of a stack (``JobWaiter.of``): it signals wait conditions when a job's
    state-change event arrives, and answers the ``CheckFinished`` and ``BestTrainingJob`` custom resources.

    Its role may only write its logs; each waited job adds a policy that lets it describe that job alone.
    """

    def __init__(self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays | None = None) -> None:
        """Define a ``JobWaiter``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param log_retention: retention of the function's log group. Default: three months.
        """
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention or logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.RETAIN,
        )
        #: The function's role: its logs, plus one describe policy per waited job.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="sagemaker-hpo job waiter: signals a deployment's wait when a tuning job ends; describes "
            "only the jobs this stack waits for",
        )
        self.log_group.grant_write(self.role)
        code = lambda_.Code.from_asset(str(handler_asset_dir()), exclude=["__pycache__", "*.pyc"])
        #: The waiter function.
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=HANDLER_RUNTIME,
            code=code,
            handler=waiter_contract.HANDLER,
            description="sagemaker-hpo: signals a deployment's wait when a tuning job ends; reads its best job",
            role=self.role,
            timeout=Duration.minutes(2),
            memory_size=128,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            architecture=lambda_.Architecture.ARM_64,
        )

    @staticmethod
    def of(scope: Construct) -> JobWaiter:
        """The waiter of ``scope``'s stack, created on first use."""
        stack = Stack.of(scope)
        known = _WAITERS.get(stack)
        if known is None:
            existing = stack.node.try_find_child(WAITER_ID)
            known = existing if isinstance(existing, JobWaiter) else JobWaiter(stack, WAITER_ID)
            _WAITERS[stack] = known
        return known


_WAITERS: weakref.WeakKeyDictionary[Stack, JobWaiter] = weakref.WeakKeyDictionary()


def training_job_arn(name_prefix: str) -> str:
    """The ARN pattern of the training jobs a tuning job named ``name_prefix`` launches (``<name>-NNN-<hash>``)."""
    return f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:training-job/{name_prefix}-*"


class BestTrainingJob(Construct):
    """The ``BestTrainingJob`` custom resource: after the wait, the job's best training job as attributes.

    Its policy lets the waiter describe this tuning job (its ARN) and the training jobs it (and its warm-start
    parents) launched; the resource is created after ``after``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        waiter: JobWaiter,
        tuning_job_name: str,
        tuning_job_arn_value: str,
        training_job_name_prefixes: Sequence[str],
        after: Sequence[IDependable],
    ) -> None:
        """Define a ``BestTrainingJob``.

        :param scope: the construct to define it in (the tuning job).
        :param construct_id: its id, unique within ``scope``.
        :param waiter: the stack's waiter.
        :param tuning_job_name: the job's name (a token).
        :param tuning_job_arn_value: the job's ARN (a token).
        :param training_job_name_prefixes: the names whose training jobs may be the best (the job, warm-start
            parents).
        :param after: what must exist before the job is described (the wait).
        """
        super().__init__(scope, construct_id)
        training_arns = [training_job_arn(prefix) for prefix in training_job_name_prefixes]
        #: Lets the waiter describe this job and its training jobs (a policy of its own: the waiter's function does
        #: not depend on it, so jobs and the shared function never depend on each other).
        self.policy = iam.Policy(
            self,
            "DescribePolicy",
            roles=[waiter.role],
            statements=[
                iam.PolicyStatement(
                    sid="DescribeThisTuningJob",
                    actions=["sagemaker:DescribeHyperParameterTuningJob"],
                    resources=[tuning_job_arn_value],
                ),
                iam.PolicyStatement(
                    sid="DescribeItsTrainingJobs", actions=["sagemaker:DescribeTrainingJob"], resources=training_arns
                ),
            ],
        )
        for arn in training_arns:
            acknowledge_wildcard_resource(
                self.policy,
                arn,
                "The best training job's name is chosen by SageMaker while the tuning job runs (the tuning job's name, "
                "a number and a hash): the waiter may describe only the training jobs whose names start with this "
                "tuning job's (or a warm-start parent's) name, to read the best one's model artifacts location",
            )
        #: The custom resource; its attributes are the best training job's.
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=waiter.function.function_arn,
            resource_type=waiter_contract.RESOURCE_TYPE_BEST,
            properties={
                waiter_contract.PROP_ACTION: waiter_contract.ACTION_BEST_TRAINING_JOB,
                waiter_contract.PROP_TUNING_JOB_NAME: tuning_job_name,
            },
        )
        self.resource.node.add_dependency(self.policy, *after)

    def attribute(self, name: str) -> str:
        """The attribute ``name`` (``waiter_contract.ATTR_*``), a deploy-time token."""
        return self.resource.get_att_string(name)


class LongWait(Construct):
    """A deployment's wait of up to 12 hours for one tuning job (see the module's docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tuning_job_name: str,
        tuning_job_arn_value: str,
        training_job_name_prefixes: Sequence[str],
        job_resource: IDependable,
        request_digest: str,
        timeout_seconds: int,
    ) -> None:
        """Define a ``LongWait``.

        :param scope: the construct to define it in (the tuning job).
        :param construct_id: its id, unique within ``scope``.
        :param tuning_job_name: the job's name (a token).
        :param tuning_job_arn_value: the job's ARN (a token).
        :param training_job_name_prefixes: the names whose training jobs may be the best (the job, warm-start
            parents).
        :param job_resource: the tuning job's custom resource.
        :param request_digest: a digest of the job's properties: the wait pair's logical ids end with it.
        :param timeout_seconds: the WaitCondition's timeout (at most 43,200), counted from when it starts.
        """
        super().__init__(scope, construct_id)
        waiter = JobWaiter.of(self)
        #: The wait condition handle: its Ref is the pre-signed URL the waiter PUTs the signal to.
        self.handle = CfnWaitConditionHandle(self, f"Handle{request_digest}")
        #: The best training job, read after the wait (its policy also lets the check describe the job).
        self.best = BestTrainingJob(
            self,
            "Best",
            waiter=waiter,
            tuning_job_name=tuning_job_name,
            tuning_job_arn_value=tuning_job_arn_value,
            training_job_name_prefixes=training_job_name_prefixes,
            after=[],
        )
        #: The rule on the job's final state-change events; its target signals the handle.
        self.rule = state_change_rule(
            self,
            "OnJobEnd",
            tuning_job_name,
            statuses=FINAL_STATUSES,
            description="sagemaker-hpo: signals the deployment's wait when the tuning job ends",
            target=targets.LambdaFunction(
                waiter.function,
                event=events.RuleTargetInput.from_object(
                    {
                        waiter_contract.INPUT_HANDLE_URL: self.handle.ref,
                        waiter_contract.INPUT_DETAIL: events.EventField.from_path("$.detail"),
                    }
                ),
            ),
        )
        #: Signals the handle when the job has ended before the rule existed.
        self.check = CustomResource(
            self,
            "CheckFinished",
            service_token=waiter.function.function_arn,
            resource_type=waiter_contract.RESOURCE_TYPE_CHECK,
            properties={
                waiter_contract.PROP_ACTION: waiter_contract.ACTION_CHECK_FINISHED,
                waiter_contract.PROP_TUNING_JOB_NAME: tuning_job_name,
                waiter_contract.PROP_HANDLE_URL: self.handle.ref,
            },
        )
        self.check.node.add_dependency(self.rule, self.best.policy, job_resource)
        #: The wait: it fails with SageMaker's reason when the job fails or is stopped, or after ``timeout_seconds``.
        self.condition = CfnWaitCondition(
            self, f"Condition{request_digest}", handle=self.handle.ref, timeout=str(timeout_seconds), count=1
        )
        self.condition.node.add_dependency(self.check)
        self.best.resource.node.add_dependency(self.condition)


__all__ = ["BestTrainingJob", "JobWaiter", "LongWait", "training_job_arn"]
