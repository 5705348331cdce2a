"""The tuning-job custom resource provider: one per stack, shared by every ``TuningJob`` in it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

from aws_cdk import Annotations, Aws, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from ._acknowledgements import acknowledge, acknowledge_wildcard_resource
from ._contract import contract, handler_asset_dir
from ._tree import find_child, stack_of
from .limits import StackLimits
from .provider_settings import DEFAULT_PROVIDER_SETTINGS, ProviderSettings, consolidate_settings
from .rules import run_rules

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
    functions. The handler may only describe tuning jobs whose names carry this provider's prefix (or the fixed
    names of its jobs), create them only with its owner tag (``contract.OWNER_TAG_PROVIDER`` equal to the prefix),
    stop only jobs carrying that tag, and pass only the training roles its jobs use, to SageMaker only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ProviderSettings | None = None,
        log_retention: logs.RetentionDays | None = None,
        training_roles: list[iam.IRole] | None = None,
        encryption_key: kms.IKey | None = None,
        name_prefix: str | None = None,
        team: str | None = None,
        handler_description: str | None = None,
    ) -> None:
        """Define a ``TuningJobProvider``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param settings: the handlers' timeouts, memory and architecture and the log group's retention; a setting left
            ``None`` keeps its default (``DEFAULT_PROVIDER_SETTINGS``). Default: the defaults.
        :param log_retention: retention of the handler's log group (overrides ``settings.log_retention``). Default:
            ``settings.log_retention``, else three months.
        :param training_roles: roles the handler may pass from the start, e.g. a platform's role for jobs declared in
            other apps. Default: none (each ``TuningJob`` adds its own role).
        :param encryption_key: the KMS key of the handler's log group (CloudWatch Logs is allowed to use it through the
            key policy, when the key is created in this app). Default: a key this provider creates, with rotation.
        :param name_prefix: the prefix of the job names the handler may manage (at most 15 lower-case letters and
            digits). Default: derived from the stack's name.
        :param team: the platform team this provider serves: its jobs carry the team's owner tag. Default: none.
        :param handler_description: the handler role's description. Default: says it manages this stack's jobs.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        #: The settings this provider uses: the defaults overlaid with ``settings`` and ``log_retention``.
        self.settings = consolidate_settings(
            DEFAULT_PROVIDER_SETTINGS, settings, ProviderSettings(log_retention=log_retention)
        )
        run_rules(self.settings, path=self.node.path, scope=self)
        #: The prefix of generated tuning job names in this stack.
        self.name_prefix = name_prefix or name_prefix_for(stack)
        #: The SSM parameter that publishes :attr:`name_prefix` (a platform's or team's provider), if any.
        self.name_prefix_parameter: str | None = None
        #: The platform team whose jobs this provider manages (its jobs carry the team's owner tag), if any.
        self.team = team
        #: CloudFormation's resource and template-size limits, checked for this stack at synth time.
        self.stack_limits = StackLimits.of(stack)
        self._passed_roles: dict[str, iam.IRole] = {}
        self._passed_role_objects: dict[int, iam.IRole] = {}

        self._define_logs(encryption_key)
        self._define_handler_role(handler_description)
        self._define_handlers()
        self._define_framework()
        for role in training_roles or []:
            self.allow_pass_role(role)

    def _define_logs(self, encryption_key: kms.IKey | None) -> None:
        """The handler's log group, encrypted with ``encryption_key`` or a key created here."""
        #: The KMS key of the handler's log group.
        self.log_key: kms.IKey = encryption_key or kms.Key(
            self,
            "HandlerLogsKey",
            description="sagemaker-hpo: encrypts the tuning-job provider's handler logs",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._allow_logs_to_use(self.log_key)
        #: The log group of the handlers and the framework's functions.
        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            retention=self.settings.log_retention,
            removal_policy=RemovalPolicy.RETAIN,
            encryption_key=self.log_key,
        )

    def _define_handler_role(self, description: str | None) -> None:
        """The handlers' role: write logs, manage owner-tagged jobs under the prefix, pass its jobs' roles."""
        #: The role of both handler functions.
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description
            or (
                f"sagemaker-hpo tuning-job handler: describes tuning jobs named {self.name_prefix}-* (and the fixed "
                f"names of the jobs using this provider), creates them only tagged {contract.OWNER_TAG_PROVIDER}="
                f"{self.name_prefix}, stops only jobs carrying that tag, and passes only its jobs' training roles"
            ),
        )
        self.log_group.grant_write(self.handler_role)
        self._job_statements = self._owner_scoped_job_statements()
        for statement in self._job_statements:
            self.handler_role.add_to_policy(statement)
        self._pass_role_statement = iam.PolicyStatement(
            sid="PassTrainingRolesToSageMaker",
            actions=["iam:PassRole"],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def _define_handlers(self) -> None:
        """The on-event and is-complete functions, from the handler package shipped with the library."""
        code = lambda_.Code.from_asset(str(handler_asset_dir()), exclude=["__pycache__", "*.pyc"])
        #: The function that creates, replaces and stops tuning jobs.
        self.on_event_function = self._handler_function(
            "OnEvent",
            code,
            contract.ON_EVENT_HANDLER,
            "sagemaker-hpo: creates, replaces and stops SageMaker tuning jobs",
            self.settings.on_event_timeout,
        )
        #: The function that reports when a tuning job a deployment waits for has finished.
        self.is_complete_function = self._handler_function(
            "IsComplete",
            code,
            contract.IS_COMPLETE_HANDLER,
            "sagemaker-hpo: reports when a tuning job a deployment waits for has finished",
            self.settings.is_complete_timeout,
        )

    def _define_framework(self) -> None:
        """The Provider framework, with its own roles, and the acknowledgements of its findings by design."""
        # The Provider framework's own functions get roles without AWS managed policies (the framework's default
        # roles carry AWSLambdaBasicExecutionRole): they write to the provider's log group and invoke the handlers.
        framework_on_event_role = self._framework_role("FrameworkOnEventRole", "on-event")
        framework_waiter_role = self._framework_role("FrameworkWaiterRole", "is-complete and on-timeout")
        #: The custom resource Provider framework in front of the handlers.
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=Duration.seconds(contract.QUERY_INTERVAL_SECONDS),
            total_timeout=Duration.seconds(contract.PROVIDER_TOTAL_TIMEOUT_SECONDS),
            log_group=self.log_group,
            framework_on_event_role=framework_on_event_role,
            framework_complete_and_timeout_role=framework_waiter_role,
        )
        self._acknowledge_by_design(framework_on_event_role, framework_waiter_role)

    def _handler_function(
        self, construct_id: str, code: lambda_.Code, handler: str, description: str, timeout: Duration | None
    ) -> lambda_.Function:
        return lambda_.Function(
            self,
            construct_id,
            runtime=HANDLER_RUNTIME,
            code=code,
            handler=handler,
            description=description,
            role=self.handler_role,
            timeout=timeout,
            memory_size=self.settings.memory_size,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            architecture=self.settings.architecture,
            environment={
                contract.ENV_OWNER_PROVIDER: self.name_prefix,
                **({contract.ENV_OWNER_TEAM: self.team} if self.team else {}),
            },
        )

    def _owner_scoped_job_statements(self) -> list[iam.PolicyStatement]:
        """The handler's tuning-job permissions, scoped by name prefix and by the provider's owner tag.

        ``CreateHyperParameterTuningJob`` needs the owner tags in the request (``aws:RequestTag``); tagging is allowed
        only as part of that create (``sagemaker:TaggingAction``), never on an existing job of another owner
        (``aws:ResourceTag``); ``StopHyperParameterTuningJob`` only on jobs carrying this provider's owner tag.
        """
        owner = contract.OWNER_TAG_PROVIDER
        resources = [tuning_job_arn(f"{self.name_prefix}-*")]
        request_tags = {
            "StringEquals": {f"aws:RequestTag/{owner}": self.name_prefix},
            "Null": {f"aws:RequestTag/{key}": "false" for key in contract.OWNER_TAG_KEYS},
        }
        return [
            iam.PolicyStatement(
                sid="DescribeTuningJobs",
                actions=["sagemaker:DescribeHyperParameterTuningJob", "sagemaker:ListTags"],
                resources=list(resources),
            ),
            iam.PolicyStatement(
                sid="CreateOwnerTaggedTuningJobs",
                actions=["sagemaker:CreateHyperParameterTuningJob"],
                resources=list(resources),
                conditions=request_tags,
            ),
            iam.PolicyStatement(
                sid="TagOnlyWhileCreating",
                actions=["sagemaker:AddTags"],
                resources=list(resources),
                conditions={
                    "StringEquals": {
                        "sagemaker:TaggingAction": "CreateHyperParameterTuningJob",
                        f"aws:RequestTag/{owner}": self.name_prefix,
                    },
                    "StringEqualsIfExists": {f"aws:ResourceTag/{owner}": self.name_prefix},
                },
            ),
            iam.PolicyStatement(
                sid="StopOwnTuningJobs",
                actions=["sagemaker:StopHyperParameterTuningJob"],
                resources=list(resources),
                conditions={"StringEquals": {f"aws:ResourceTag/{owner}": self.name_prefix}},
            ),
        ]

    def _allow_logs_to_use(self, key: kms.IKey) -> None:
        """Let CloudWatch Logs use ``key`` for this account's log groups (a key policy statement)."""
        added = key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForSageMakerHpoHandler",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )
        if not added.statement_added:
            Annotations.of(self).add_warning_v2(
                "sagemaker-hpo:ImportedLogKey",
                "The handler log group's KMS key is imported: its key policy cannot be changed here. It must allow "
                "logs.<region>.amazonaws.com to use it (kms:Encrypt*, kms:Decrypt*, kms:GenerateDataKey*) for "
                "log groups of this account, or the deployment fails when the log group is created.",
            )

    def _framework_role(self, construct_id: str, functions: str) -> iam.Role:
        role = iam.Role(
            self,
            construct_id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"sagemaker-hpo: the custom resource Provider framework's {functions} functions",
        )
        self.log_group.grant_write(role)
        return role

    def _acknowledge_by_design(self, on_event_role: iam.IRole, waiter_role: iam.IRole) -> None:
        """Acknowledge, finding by finding, the cdk-nag findings this provider causes by design (see README)."""
        acknowledge_wildcard_resource(
            self.handler_role,
            tuning_job_arn(f"{self.name_prefix}-*"),
            "Tuning job names are generated at deploy time from the stack's name prefix and a hash of the request; "
            "the handler may describe only tuning jobs whose names start with this prefix, and create, tag and stop "
            "them only with this provider's owner tag",
        )
        invoke_reason = (
            "lambda:InvokeFunction on '<function ARN>:*' (the function's versions and aliases) is how the CDK "
            "Provider framework grants invoking exactly one function, here {}"
        )
        for role in (on_event_role, waiter_role):
            for handler in (self.on_event_function, self.is_complete_function):
                acknowledge_wildcard_resource(
                    role,
                    f"{handler.function_arn}:*",
                    invoke_reason.format(f"this provider's {handler.node.id} handler"),
                )
        waiter = self.provider.node.find_child("waiter-state-machine")
        for framework_function in ("framework-isComplete", "framework-onTimeout"):
            function = self.provider.node.find_child(framework_function)
            assert isinstance(function, lambda_.Function)  # a programming error (the framework's own children)
            acknowledge_wildcard_resource(
                waiter, f"{function.function_arn}:*", invoke_reason.format(f"the framework's {framework_function}")
            )
        acknowledge(
            waiter,
            "AwsSolutions-SF1",
            "The Provider framework's internal waiter only invokes the is-complete and on-timeout functions, which "
            "log every poll to this provider's log group (retained); Step Functions keeps the execution history for "
            "90 days. ALL-level state machine logging would make the framework grant logs:CreateLogDelivery, "
            "logs:PutResourcePolicy and logs:PutLogEvents on Resource '*'",
        )
        acknowledge(
            waiter,
            "AwsSolutions-SF2",
            "The Provider framework's internal waiter is one Lambda task with retries, fully logged by the functions "
            "it calls; X-Ray tracing would add xray:Put* permissions on Resource '*' for no further insight",
        )

    @staticmethod
    def of(scope: Construct) -> TuningJobProvider:
        """The provider of ``scope``'s stack, created on first use."""
        stack = stack_of(scope)
        existing = find_child(stack, PROVIDER_ID)  # the stack's tree is the record (read once found): no process cache
        return existing if isinstance(existing, TuningJobProvider) else TuningJobProvider(stack, PROVIDER_ID)

    @cached_property  # read once: every tuning job of the stack asks for it (each read is a jsii round trip)
    def service_token(self) -> str:
        """The service token of the ``Custom::SageMakerHyperParameterTuningJob`` resources."""
        return self.provider.service_token

    def allow_job_name(self, name: str) -> None:
        """Let the handler manage a tuning job with a fixed name outside the stack's prefix (owner tags still apply)."""
        for arn in {tuning_job_arn(name), tuning_job_arn(name.lower())}:
            for statement in self._job_statements:
                if arn not in statement.resources:
                    statement.add_resources(arn)

    def allow_pass_role(self, role: iam.IRole) -> None:
        """Let the handler pass ``role`` to SageMaker (and to no other service)."""
        if self._passed_role_objects.get(id(role)) is role:  # the same role object again: no jsii round trip
            return
        self._passed_role_objects[id(role)] = role
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
    :param team: the platform team the provider serves (jobs get the team's owner tag). Default: none.
    :param name_prefix_parameter: the SSM parameter that publishes ``name_prefix`` (named in errors). Default: none.
    :param known_name_prefix: ``name_prefix`` as known at synth time, when ``name_prefix`` is a deploy-time value
        (a team's prefix follows from the platform's namespace and the team's name), for the fixed-name rule
        HPO-JOB-018. Default: unknown.
    """

    service_token: str
    name_prefix: str
    team: str | None = None
    name_prefix_parameter: str | None = None
    known_name_prefix: str | None = None

    def allow_job_name(self, name: str) -> None:
        """Nothing to grant: an imported provider's permissions are fixed. Fixed names must carry the prefix."""

    def allow_pass_role(self, role: iam.IRole) -> None:
        """Nothing to grant: an imported provider passes the roles it was deployed for."""


#: What a ``TuningJob`` needs of a provider.
AnyTuningJobProvider = TuningJobProvider | ImportedTuningJobProvider
