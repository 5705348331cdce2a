"""The tuning-job custom resource provider: one per stack, shared by every ``TuningJob`` in it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr

from constructs import Construct

from ._contract import HANDLER_DIR, contract

#: The construct id of the provider under its stack.
PROVIDER_ID = "SageMakerHpoTuningJobProvider"
#: The newest Python runtime aws-cdk-lib offers.
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14


def name_prefix_for(stack: Stack) -> str:
    """The stack's prefix for generated job names: the stack name, lower-cased and shortened, plus a hash."""
    name = stack.stack_name
    source = name if not Token.is_unresolved(name) else stack.node.path
    cleaned = re.sub(r"[^a-z0-9]+", "", source.lower()) or "hpo"
    digest = hashlib.sha256(source.encode()).hexdigest()
    keep = contract.NAME_PREFIX_MAX_LENGTH - 4
    return f"{cleaned[:keep]}{digest[:4]}"


def tuning_job_arn(name: str) -> str:
    """The ARN of the tuning job named ``name`` (may end in ``*``) in this stack's account and region."""
    return f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:hyper-parameter-tuning-job/{name}"


class TuningJobProvider(Construct):
    """The Lambda functions and Provider framework behind ``Custom::SageMakerHyperParameterTuningJob``.

    There is one per stack, found or created by ``TuningJobProvider.of``: a hundred tuning jobs share one set of
    functions. The handler may only create, describe, stop and tag tuning jobs whose names carry this stack's
    prefix (or the fixed names of its jobs), and pass only the training roles its jobs use, to SageMaker only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_retention: logs.RetentionDays | None = None,
        training_roles: list[iam.IRole] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        #: The prefix of generated tuning job names in this stack.
        self.name_prefix = name_prefix_for(stack)
        self._passed_roles: dict[str, iam.IRole] = {}

        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            retention=log_retention or logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="sagemaker-hpo tuning-job handler: manages this stack's tuning jobs only",
        )
        self.log_group.grant_write(self.handler_role)
        self._job_statement = iam.PolicyStatement(
            sid="ManageThisStacksTuningJobs",
            actions=[
                "sagemaker:AddTags",
                "sagemaker:CreateHyperParameterTuningJob",
                "sagemaker:DescribeHyperParameterTuningJob",
                "sagemaker:StopHyperParameterTuningJob",
            ],
            resources=[tuning_job_arn(f"{self.name_prefix}-*")],
        )
        self._pass_role_statement = iam.PolicyStatement(
            sid="PassTrainingRolesToSageMaker",
            actions=["iam:PassRole"],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )
        self.handler_role.add_to_policy(self._job_statement)

        code = lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"])
        self.on_event_function = self._handler_function(
            "OnEvent",
            code,
            contract.ON_EVENT_HANDLER,
            "sagemaker-hpo: creates, replaces and stops SageMaker tuning jobs",
        )
        self.is_complete_function = self._handler_function(
            "IsComplete",
            code,
            contract.IS_COMPLETE_HANDLER,
            "sagemaker-hpo: reports when a tuning job a deployment waits for has finished",
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=Duration.seconds(contract.QUERY_INTERVAL_SECONDS),
            total_timeout=Duration.seconds(contract.PROVIDER_TOTAL_TIMEOUT_SECONDS),
            log_group=self.log_group,
        )
        for role in training_roles or []:
            self.allow_pass_role(role)

    def _handler_function(
        self, construct_id: str, code: lambda_.Code, handler: str, description: str
    ) -> lambda_.Function:
        return lambda_.Function(
            self,
            construct_id,
            runtime=HANDLER_RUNTIME,
            code=code,
            handler=handler,
            description=description,
            role=self.handler_role,
            timeout=Duration.minutes(5),
            memory_size=256,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            architecture=lambda_.Architecture.ARM_64,
        )

    @staticmethod
    def of(scope: Construct) -> TuningJobProvider:
        """The provider of ``scope``'s stack, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, TuningJobProvider):
            return existing
        return TuningJobProvider(stack, PROVIDER_ID)

    @property
    def service_token(self) -> str:
        """The service token of the ``Custom::SageMakerHyperParameterTuningJob`` resources."""
        return self.provider.service_token

    def allow_job_name(self, name: str) -> None:
        """Let the handler manage a tuning job with a fixed name outside the stack's prefix."""
        for arn in {tuning_job_arn(name), tuning_job_arn(name.lower())}:
            if arn not in self._job_statement.resources:
                self._job_statement.add_resources(arn)

    def allow_pass_role(self, role: iam.IRole) -> None:
        """Let the handler pass ``role`` to SageMaker (and to no other service)."""
        key = role.role_arn
        if key in self._passed_roles:
            return
        if not self._passed_roles:
            self.handler_role.add_to_policy(self._pass_role_statement)
        self._passed_roles[key] = role
        self._pass_role_statement.add_resources(role.role_arn)


@dataclass(frozen=True)
class ImportedTuningJobProvider:
    """A provider deployed elsewhere (e.g. by ``HpoPlatform`` in another app), known by its service token.

    Its handler's permissions were fixed when it was deployed: jobs using it must carry its ``name_prefix``
    (generated names do) and use training roles it may pass.

    :param service_token: the provider's service token (its framework function's ARN).
    :param name_prefix: the prefix its handler may manage tuning jobs under.
    """

    service_token: str
    name_prefix: str

    def allow_job_name(self, name: str) -> None:
        """Nothing to grant: an imported provider's permissions are fixed. Fixed names must carry the prefix."""

    def allow_pass_role(self, role: iam.IRole) -> None:
        """Nothing to grant: an imported provider passes the roles it was deployed for."""


#: What a ``TuningJob`` needs of a provider.
AnyTuningJobProvider = TuningJobProvider | ImportedTuningJobProvider
