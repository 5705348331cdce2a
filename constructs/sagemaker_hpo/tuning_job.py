"""``TuningJob``: a SageMaker hyperparameter tuning job as a CloudFormation resource."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import CfnResource, CustomResource, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ._contract import contract
from ._imported import platform_imports
from ._validation import Checker, is_unresolved
from .grants import team_of
from .limits import StackLimits
from .objective import Objective
from .ownership import TEAM_TAG_KEY
from .provider import AnyTuningJobProvider, ImportedTuningJobProvider, TuningJobProvider
from .ranges import CategoricalRange, ContinuousRange, IntegerRange, ParameterRange, render_parameter_ranges
from .role import TrainingRole
from .strategy import Hyperband, Strategy
from .training import BoundTraining, TrainingDefinition, bind_training
from .tuning_job_ref import ImportedTuningJob, TuningJobGrants
from .warm_start import WarmStart

JOB_NAME_PATTERN = re.compile(contract.JOB_NAME_PATTERN)
MIN_TUNING_RUNTIME_SECONDS = 120
MAX_TUNING_RUNTIME_SECONDS = 2_592_000
MAX_TUNABLE_HYPERPARAMETERS = 30
MAX_HYPERPARAMETERS = 100
DEFAULT_PARALLEL_QUOTA = 10
MAX_TAGS = 50


@dataclass(frozen=True, kw_only=True)
class CompletionCriteria:
    """When a tuning job may finish before ``max_jobs`` training jobs have run.

    :param target_objective_value: stop once a training job reaches this objective value. Default: none.
    :param max_jobs_not_improving: stop after this many training jobs (at least 3) without improvement.
        Default: none.
    :param complete_on_convergence: stop when SageMaker detects that the search has converged. Default: not set
        (SageMaker's default).
    """

    target_objective_value: float | None = None
    max_jobs_not_improving: int | None = None
    complete_on_convergence: bool | None = None

    def _validate(self, check: Checker) -> None:
        check.int_between("completion_criteria.max_jobs_not_improving", self.max_jobs_not_improving, 3)
        value = self.target_objective_value
        if value is not None and not is_unresolved(value):
            check.require(
                not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value),
                "completion_criteria.target_objective_value",
                value,
                "must be a finite number",
            )

    def _render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.target_objective_value is not None:
            rendered["TargetObjectiveMetricValue"] = self.target_objective_value
        if self.max_jobs_not_improving is not None:
            rendered["BestObjectiveNotImproving"] = {"MaxNumberOfTrainingJobsNotImproving": self.max_jobs_not_improving}
        if self.complete_on_convergence is not None:
            state = "Enabled" if self.complete_on_convergence else "Disabled"
            rendered["ConvergenceDetected"] = {"CompleteOnConvergence": state}
        return rendered


@jsii.implements(ec2.IConnectable)
class TuningJob(Construct, TuningJobGrants):
    """A SageMaker hyperparameter tuning job, created when the stack deploys (``Custom::SageMakerHyperParameterTuningJob``).

    Every prop is checked against SageMaker's rules at synth time. Any change to the job replaces it (tuning
    jobs are immutable): a new job with a new name is created and the old one is stopped if still running.
    Deleting the stack stops a running job; job records, artifacts and logs are kept.

    :param objective: the metric to maximize or minimize.
    :param parameter_ranges: the hyperparameters to tune (1 to 30 in total).
    :param training: how each training job runs.
    :param strategy: the search strategy. Default: ``Hyperband()``.
    :param max_jobs: the most training jobs to run. Required, except for ``GridSearch`` (where it is the number of
        combinations if given). Default: none.
    :param max_parallel_jobs: training jobs run at the same time (at least 1, at most ``max_jobs``). Default: 1.
    :param max_runtime: the longest the tuning job may run (2 minutes to 30 days). Default: SageMaker's limit.
    :param completion_criteria: when to stop early. Default: none.
    :param random_seed: seed for the hyperparameter search, for reproducible searches. Default: none.
    :param tags: tags on the tuning job (at most 50). Default: none.
    :param tuning_job_name: a fixed job name (1 to 32 characters). Default: a name generated from the stack's
        prefix and the job's configuration, so that each change gets a new name. A fixed name cannot be kept
        across a change of the job: change the name with it.
    :param wait_for_completion: make the deployment wait for the job to finish, fail if it fails, and expose the
        best training job. Needs ``max_runtime`` of at most 45 minutes (the custom resource framework waits at
        most an hour, and a job that reaches its limit still spends minutes stopping). Default: False.
    :param provider: the custom resource provider. Default: this stack's shared ``TuningJobProvider``; in a stack that
        imports a platform (``HpoPlatform.from_parameters``) it is required (``provider=platform.provider``).
    :param warm_start: start from 1 to 5 earlier tuning jobs with the same objective. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        objective: Objective,
        parameter_ranges: Sequence[ParameterRange],
        training: TrainingDefinition,
        strategy: Strategy | None = None,
        max_jobs: int | None = None,
        max_parallel_jobs: int = 1,
        max_runtime: Duration | None = None,
        completion_criteria: CompletionCriteria | None = None,
        random_seed: int | None = None,
        tags: Mapping[str, str] | None = None,
        tuning_job_name: str | None = None,
        wait_for_completion: bool = False,
        provider: AnyTuningJobProvider | None = None,
        warm_start: WarmStart | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        check = Checker(self)
        self.strategy: Strategy = strategy or Hyperband()
        self.objective = objective
        self.parameter_ranges = tuple(parameter_ranges)
        self.wait_for_completion = wait_for_completion
        own_provider: TuningJobProvider | None = None
        if provider is None:
            imported = platform_imports(Stack.of(scope))
            if imported:
                check.fail(
                    "provider",
                    None,
                    f"this stack imports the platform {imported[0]}: pass provider=<platform>.provider. Without it a "
                    "second tuning-job provider (16 resources) would be built in this stack, and it could not use the "
                    "platform's training role",
                )
            own_provider = provider = TuningJobProvider.of(scope)  # the same stack; often the stack itself
        self.provider: AnyTuningJobProvider = provider

        bound = bind_training(self, training, check)
        #: Static plus tuned hyperparameters: warm-start parents and children must have as many.
        self.hyperparameter_count = len(bound.static_hyperparameters) + len(self.parameter_ranges)
        #: The role SageMaker assumes for the training jobs.
        self.training_role = bound.role
        self._validate(
            check,
            bound=bound,
            max_jobs=max_jobs,
            max_parallel_jobs=max_parallel_jobs,
            max_runtime=max_runtime,
            completion_criteria=completion_criteria,
            random_seed=random_seed,
            tags=tags or {},
            tuning_job_name=tuning_job_name,
        )

        config: dict[str, Any] = {
            **self.strategy._render_config(),
            "HyperParameterTuningJobObjective": objective._render(),
            "ResourceLimits": {"MaxParallelTrainingJobs": max_parallel_jobs},
            "ParameterRanges": render_parameter_ranges(self.parameter_ranges),
        }
        if max_jobs is not None:
            config["ResourceLimits"]["MaxNumberOfTrainingJobs"] = max_jobs
        if max_runtime is not None:
            config["ResourceLimits"]["MaxRuntimeInSeconds"] = max_runtime.to_seconds()
        if completion_criteria is not None and completion_criteria._render():
            config["TuningJobCompletionCriteria"] = completion_criteria._render()
        if random_seed is not None:
            config["RandomSeed"] = random_seed
        if warm_start is not None:
            warm_start._validate(check, self, isinstance(self.strategy, Hyperband))
        #: The ``CreateHyperParameterTuningJob`` request, without the job name.
        self.request: dict[str, Any] = {
            "HyperParameterTuningJobConfig": config,
            "TrainingJobDefinition": bound.definition,
        }
        if warm_start is not None:
            self.request["WarmStartConfig"] = warm_start._render()
        team = getattr(self.provider, "team", None)
        if tags and TEAM_TAG_KEY in tags:
            check.fail("tags", TEAM_TAG_KEY, "is the platform's owner tag: the team's provider sets it")
        job_tags = [{"Key": key, "Value": value} for key, value in (tags or {}).items()]
        if team is not None:
            job_tags.append({"Key": TEAM_TAG_KEY, "Value": team})
        if job_tags:
            self.request["Tags"] = job_tags
        #: The security groups of the training containers (a job in a VPC); see :attr:`connections`.
        self.security_groups: tuple[ec2.ISecurityGroup, ...] = bound.security_groups

        if isinstance(self.provider, ImportedTuningJobProvider) and isinstance(bound.role, TrainingRole):
            check.fail(
                "training.role",
                bound.role.node.path,
                "a role created in this app cannot be used with an imported provider: it can only pass the roles it "
                "was deployed for (the deploy would fail with iam:PassRole AccessDenied). Pass the platform's "
                "training_role, or use this stack's own TuningJobProvider",
            )
        role_team = team_of(bound.role)
        if role_team is not None and role_team != getattr(self.provider, "team", None):
            check.fail(
                "provider",
                "another provider" if provider is not None and own_provider is None else "this stack's provider",
                f"the training role belongs to the team {role_team!r}: only that team's provider may pass it (it "
                f"enforces the team's owner tag and guardrails); pass provider=<the team {role_team!r}>.provider",
            )
        self.provider.allow_pass_role(bound.role)
        properties: dict[str, Any] = {
            contract.PROP_REQUEST: self.request,
            contract.PROP_NAME_PREFIX: self.provider.name_prefix,
            contract.PROP_WAIT_FOR_COMPLETION: "true" if wait_for_completion else "false",
        }
        if wait_for_completion:  # only read when waiting; every job of a large stack would repeat it otherwise
            properties[contract.PROP_WAIT_TIMEOUT_SECONDS] = str(contract.MAX_WAIT_TIMEOUT_SECONDS)
        if tuning_job_name is not None:
            prefix = self.provider.name_prefix
            known = not is_unresolved(prefix) and not is_unresolved(tuning_job_name)
            if team is not None and known and not tuning_job_name.lower().startswith(f"{prefix}-"):
                check.fail(
                    "tuning_job_name",
                    tuning_job_name,
                    f"the team {team!r}'s provider may only manage jobs named {self.provider.name_prefix}-...: start the "
                    "name with that prefix and a hyphen, or leave tuning_job_name out to get a generated name",
                )
            if isinstance(self.provider, ImportedTuningJobProvider):
                check.warn(
                    "ImportedProviderFixedName",
                    f"tuning_job_name {tuning_job_name!r} with an imported provider: its handler may only manage jobs "
                    "named with its own prefix (the platform's provider-name-prefix parameter). Start the name with "
                    "that prefix and a hyphen, or leave tuning_job_name out to get a generated name",
                )
            properties[contract.PROP_TUNING_JOB_NAME] = tuning_job_name
            self.provider.allow_job_name(tuning_job_name)
        service_token = self.provider.service_token
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=service_token,
            resource_type=contract.RESOURCE_TYPE,
            properties=properties,
        )
        node = self.resource.node
        node.add_dependency(bound.role)
        cfn_resource = node.default_child
        assert isinstance(cfn_resource, CfnResource)
        # Delete is CloudFormation's default for both policies: leave them out rather than repeat them on every job
        # (``apply_removal_policy`` still sets them).
        options = cfn_resource.cfn_options
        options.deletion_policy = None
        options.update_replace_policy = None
        # The stack's own provider holds the stack's limits check; an explicit provider may live in another stack.
        limits = own_provider.stack_limits if own_provider is not None else StackLimits.of(self)
        limits.register_tuning_job(cfn_resource, properties, service_token, bound.role)

    # -- attributes ---------------------------------------------------------------------------------------------

    @staticmethod
    def from_tuning_job_name(scope: Construct, construct_id: str, tuning_job_name: str) -> ImportedTuningJob:
        """A tuning job that exists outside this app, for grants (``grant_read``, ``grant_stop``) and references."""
        return ImportedTuningJob(scope, construct_id, tuning_job_name=tuning_job_name)

    @property
    def connections(self) -> ec2.Connections:
        """The network connections of the training containers (a job with ``training.vpc`` only).

        For example ``database.connections.allow_default_port_from(job)``.
        """
        if not self.security_groups:
            raise ValueError(f"{self.node.path}: connections: the job has no VPC (set training.vpc)")
        return ec2.Connections(security_groups=list(self.security_groups))

    @property
    def tuning_job_name(self) -> str:
        """The tuning job's name (a deploy-time token)."""
        return self.resource.get_att_string(contract.ATTR_TUNING_JOB_NAME)

    @property
    def tuning_job_arn(self) -> str:
        """The tuning job's ARN (a deploy-time token)."""
        return self.resource.get_att_string(contract.ATTR_TUNING_JOB_ARN)

    @property
    def best_training_job_name(self) -> str:
        """The best training job's name; only with ``wait_for_completion``."""
        return self._waited_attribute(contract.ATTR_BEST_TRAINING_JOB_NAME)

    @property
    def best_objective_value(self) -> str:
        """The best training job's final objective value, as a string; only with ``wait_for_completion``."""
        return self._waited_attribute(contract.ATTR_BEST_OBJECTIVE_VALUE)

    @property
    def best_hyperparameters(self) -> str:
        """The best training job's tuned hyperparameters as a JSON object string; only with ``wait_for_completion``."""
        return self._waited_attribute(contract.ATTR_BEST_HYPERPARAMETERS)

    def best_hyperparameter(self, name: str) -> str:
        """One tuned hyperparameter of the best training job; only with ``wait_for_completion``."""
        if name not in {r.name for r in self.parameter_ranges}:
            raise ValueError(f"{self.node.path}: best_hyperparameter: {name!r} is not one of the tuned hyperparameters")
        return self._waited_attribute(contract.ATTR_BEST_HYPERPARAMETER_PREFIX + name)

    def _waited_attribute(self, name: str) -> str:
        if not self.wait_for_completion:
            raise ValueError(
                f"{self.node.path}: {name} is only known when the deployment waits for the job; "
                "set wait_for_completion=True"
            )
        return self.resource.get_att_string(name)

    # -- validation ---------------------------------------------------------------------------------------------

    def _validate(
        self,
        check: Checker,
        *,
        bound: BoundTraining,
        max_jobs: int | None,
        max_parallel_jobs: int,
        max_runtime: Duration | None,
        completion_criteria: CompletionCriteria | None,
        random_seed: int | None,
        tags: Mapping[str, str],
        tuning_job_name: str | None,
    ) -> None:
        if tuning_job_name is not None and not is_unresolved(tuning_job_name):
            check.require(
                bool(JOB_NAME_PATTERN.match(tuning_job_name)),
                "tuning_job_name",
                tuning_job_name,
                "must be 1 to 32 letters, digits and hyphens, starting and ending with a letter or digit",
            )
        self.objective._validate(check)
        self._validate_ranges(check, bound.static_hyperparameters)
        self._validate_objective_metric(check, bound)
        self._validate_limits(check, max_jobs, max_parallel_jobs, max_runtime)
        self.strategy._validate(check, static_hyperparameters=bound.static_hyperparameters, max_jobs=max_jobs)
        if completion_criteria is not None:
            completion_criteria._validate(check)
        check.int_between("random_seed", random_seed, 0)
        check.count_between("tags", tags, 0, MAX_TAGS)
        for key, value in tags.items():
            check.length_between("tags key", key, 1, 128)
            check.length_between(f"tags[{key!r}]", value, 0, 256)
            if not is_unresolved(key):
                check.require(not key.lower().startswith("aws:"), "tags key", key, "the aws: prefix is reserved")

    def _validate_ranges(self, check: Checker, static: dict[str, str]) -> None:
        ranges = self.parameter_ranges
        check.count_between("parameter_ranges", ranges, 1, MAX_TUNABLE_HYPERPARAMETERS)
        seen: set[str] = set()
        for index, parameter_range in enumerate(ranges):
            where = f"parameter_ranges[{index}] ({parameter_range.name})"
            check.length_between(f"{where}.name", parameter_range.name, 1, 256)
            check.require(
                parameter_range.name not in seen,
                f"{where}.name",
                parameter_range.name,
                "a hyperparameter may appear in one range only",
            )
            check.require(
                parameter_range.name not in static,
                f"{where}.name",
                parameter_range.name,
                "is also a static hyperparameter; a hyperparameter is either tuned or static",
            )
            seen.add(parameter_range.name)
            parameter_range._validate(check, where)
        total = len(static) + len(ranges) + 1
        check.require(
            total <= MAX_HYPERPARAMETERS,
            "training.static_hyperparameters",
            f"{len(static)} static",
            f"static + tuned + 1 must be at most {MAX_HYPERPARAMETERS} (is {total})",
        )

    def _validate_objective_metric(self, check: Checker, bound: BoundTraining) -> None:
        metric = self.objective.metric_name
        if is_unresolved(metric):
            return
        if bound.builtin:
            if metric not in bound.metric_names:
                check.warn(
                    "UnknownBuiltinMetric",
                    f"objective.metric_name {metric!r} is not a metric this built-in algorithm is known to emit",
                )
            return
        check.require(
            metric in bound.metric_names,
            "objective.metric_name",
            metric,
            "a custom image needs a metric definition for the objective; defined: "
            + (", ".join(sorted(bound.metric_names)) or "none (pass training.metric_definitions)"),
        )
        if isinstance(self.strategy, Hyperband):
            check.warn(
                "HyperbandPerEpochMetric",
                f"Hyperband reads {metric!r} after every epoch: make sure the training program prints it each epoch "
                "and its regex matches those lines, not only a final summary",
            )

    def _validate_limits(
        self, check: Checker, max_jobs: int | None, max_parallel_jobs: int, max_runtime: Duration | None
    ) -> None:
        discrete = all(isinstance(r, (IntegerRange, CategoricalRange)) for r in self.parameter_ranges)
        combinations = _combinations(self.parameter_ranges) if discrete else None
        if self.strategy.is_grid:
            for index, parameter_range in enumerate(self.parameter_ranges):
                check.require(
                    isinstance(parameter_range, CategoricalRange),
                    f"parameter_ranges[{index}] ({parameter_range.name})",
                    type(parameter_range).__name__,
                    "GridSearch takes categorical ranges only",
                )
            if max_jobs is not None and combinations is not None and not is_unresolved(max_jobs):
                check.require(
                    max_jobs == combinations,
                    "max_jobs",
                    max_jobs,
                    f"with GridSearch must equal the number of combinations ({combinations}) or be left out",
                )
        else:
            check.require(
                max_jobs is not None, "max_jobs", max_jobs, f"is required with the {self.strategy.name} strategy"
            )
            if combinations is not None and max_jobs is not None and not is_unresolved(max_jobs):
                check.require(
                    max_jobs <= combinations,
                    "max_jobs",
                    max_jobs,
                    f"must not exceed the {combinations} combinations of an all-discrete search space",
                )
        check.int_between("max_jobs", max_jobs, 1)
        check.int_between("max_parallel_jobs", max_parallel_jobs, 1)
        upper = max_jobs if max_jobs is not None else combinations
        if upper is not None and not is_unresolved(upper) and not is_unresolved(max_parallel_jobs):
            check.require(
                max_parallel_jobs <= upper,
                "max_parallel_jobs",
                max_parallel_jobs,
                f"must be at most max_jobs ({upper})",
            )
        if not is_unresolved(max_parallel_jobs) and max_parallel_jobs > DEFAULT_PARALLEL_QUOTA:
            check.warn(
                "ParallelJobsQuota",
                f"max_parallel_jobs {max_parallel_jobs} exceeds the default quota of {DEFAULT_PARALLEL_QUOTA} "
                "parallel training jobs per tuning job: request a quota increase first",
            )
        if max_runtime is not None:
            check.int_between(
                "max_runtime (seconds)",
                max_runtime.to_seconds(),
                MIN_TUNING_RUNTIME_SECONDS,
                MAX_TUNING_RUNTIME_SECONDS,
            )
        if self.wait_for_completion:
            ceiling = contract.MAX_WAITED_JOB_RUNTIME_SECONDS
            check.require(
                max_runtime is not None and max_runtime.to_seconds() <= ceiling,
                "max_runtime",
                None if max_runtime is None else max_runtime.to_human_string(),
                f"wait_for_completion needs max_runtime of at most {ceiling // 60} minutes: a deployment can wait at "
                f"most {contract.MAX_WAIT_TIMEOUT_SECONDS // 60} minutes within the custom resource framework's "
                f"{contract.PROVIDER_TOTAL_TIMEOUT_SECONDS // 60}, and a job that reaches its max_runtime still "
                f"spends minutes stopping",
            )


def _combinations(ranges: Sequence[ParameterRange]) -> int | None:
    total = 1
    for parameter_range in ranges:
        if isinstance(parameter_range, ContinuousRange):
            return None
        if is_unresolved(getattr(parameter_range, "min_value", 0)) or is_unresolved(
            getattr(parameter_range, "max_value", 0)
        ):
            return None
        total *= max(parameter_range.cardinality, 0)
    return total
