"""``TuningJob``: a SageMaker hyperparameter tuning job as a CloudFormation resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import CfnResource, CustomResource, Duration
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from ._contract import contract
from .limits import StackLimits
from .objective import Objective
from .provider import AnyTuningJobProvider, TuningJobProvider
from .ranges import ParameterRange, render_parameter_ranges
from .rules import JobSpec, MetricSet, run_rules
from .rules.lifecycle import RenderedJob
from .strategy import Hyperband, Strategy
from .training import BoundTraining, TrainingDefinition, bind_training
from .tuning_job_ref import ImportedTuningJob, TuningJobGrants
from .warm_start import WarmStart


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

    Every prop is checked against SageMaker's rules at synth time (the rule registry, ``docs/rules.md``). Any change
    to the job replaces it (tuning jobs are immutable): a new job with a new name is created and the old one is
    stopped if still running. Deleting the stack stops a running job; job records, artifacts and logs are kept.
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
        """Validate the props (every rule of the registry), render the ``CreateHyperParameterTuningJob`` request
        and attach it to the stack as a custom resource.

        :param scope: the parent construct.
        :param construct_id: the construct id.
        :param objective: the metric to maximize or minimize, e.g. ``Objective.maximize("validation:auc")``.
        :param parameter_ranges: the hyperparameters to tune (1 to 30 in total): ``ContinuousRange``,
            ``IntegerRange`` and ``CategoricalRange``.
        :param training: how each training job runs (``TrainingDefinition``).
        :param strategy: the search strategy (an instance: ``Hyperband()``, ``Bayesian()``, ``RandomSearch()``,
            ``GridSearch()``). Default: ``Hyperband()``.
        :param max_jobs: the most training jobs to run (Hyperband: at most 750). Required, except for
            ``GridSearch`` (where it is the number of combinations if given). Default: none.
        :param max_parallel_jobs: training jobs run at the same time (at least 1, at most ``max_jobs``; above 10
            needs a quota increase). Default: 1.
        :param max_runtime: the longest the tuning job may run, a ``Duration`` of whole seconds from 2 minutes to
            182.5 days (15,768,000 s). Default: none (SageMaker's default).
        :param completion_criteria: when to stop early. Default: none.
        :param random_seed: seed for the hyperparameter search, for reproducible searches (0 to 2,147,483,647).
            Default: none.
        :param tags: tags on the tuning job (at most 44: SageMaker's 50 less the owner tags the handler sets; keys
            1 to 128 and values up to 256 letters, digits,
            spaces and ``_.:/=+-@``). Default: none.
        :param tuning_job_name: a fixed job name (1 to 32 letters, digits and hyphens). Default: a name generated
            from the stack's prefix and the job's configuration, so that each change gets a new name. A fixed name
            cannot be kept across a change of the job: change the name with it.
        :param wait_for_completion: make the deployment wait for the job to finish, fail if it fails, and expose
            the best training job. Needs ``max_runtime`` of at most 45 minutes (the custom resource framework waits
            at most an hour, and a job that reaches its limit still spends minutes stopping). Default: False.
        :param provider: the custom resource provider. Default: this stack's shared ``TuningJobProvider``; in a stack
            that imports a platform (``HpoPlatform.from_parameters``) it is required (``provider=platform.provider``,
            rule HPO-JOB-016).
        :param warm_start: start from 1 to 5 earlier tuning jobs with the same objective. Default: none.
        :raises ValidationError: when a prop breaks a rule (the message names the path, the prop and the rule id).
        """
        super().__init__(scope, construct_id)
        own_provider: TuningJobProvider | None = None
        if provider is None:
            provider_given = False
            own_provider = provider = TuningJobProvider.of(scope)  # the same stack; often the stack itself
        else:
            provider_given = True
        spec = JobSpec(
            job=self,
            objective=objective,
            parameter_ranges=parameter_ranges,
            training=training,
            strategy=Hyperband() if strategy is None else strategy,
            max_jobs=max_jobs,
            max_parallel_jobs=max_parallel_jobs,
            max_runtime=max_runtime,
            completion_criteria=completion_criteria,
            random_seed=random_seed,
            tags={} if tags is None else tags,
            tuning_job_name=tuning_job_name,
            wait_for_completion=wait_for_completion,
            provider=provider,
            warm_start=warm_start,
            provider_given=provider_given,
        )
        self.strategy: Strategy = spec.strategy
        self.objective = objective
        self.parameter_ranges = tuple(parameter_ranges)
        self.wait_for_completion = wait_for_completion
        self.provider: AnyTuningJobProvider = provider

        validate_tuning_job(spec)
        bound = bind_training(self, training, volume_gib=spec.volume_gib)
        #: Static plus tuned hyperparameters: warm-start parents and children must have as many.
        self.hyperparameter_count = len(bound.static_hyperparameters) + len(self.parameter_ranges)
        #: The role SageMaker assumes for the training jobs.
        self.training_role = bound.role
        #: The security groups of the training containers (a job in a VPC); see :attr:`connections`.
        self.security_groups: tuple[ec2.ISecurityGroup, ...] = bound.security_groups
        #: The ``CreateHyperParameterTuningJob`` request, without the job name.
        self.request: dict[str, Any] = _render_request(spec, bound)
        self._attach(spec, bound, own_provider)

    def _attach(self, spec: JobSpec, bound: BoundTraining, own_provider: TuningJobProvider | None) -> None:
        """The custom resource that creates the job, its provider's permissions and the stack's limits check."""
        self.provider.allow_pass_role(bound.role)
        properties: dict[str, Any] = {
            contract.PROP_REQUEST: self.request,
            contract.PROP_NAME_PREFIX: self.provider.name_prefix,
            contract.PROP_WAIT_FOR_COMPLETION: "true" if spec.wait_for_completion else "false",
        }
        if spec.wait_for_completion:  # only read when waiting; every job of a large stack would repeat it otherwise
            properties[contract.PROP_WAIT_TIMEOUT_SECONDS] = str(contract.MAX_WAIT_TIMEOUT_SECONDS)
        if spec.tuning_job_name is not None:
            properties[contract.PROP_TUNING_JOB_NAME] = spec.tuning_job_name
            self.provider.allow_job_name(spec.tuning_job_name)
        run_rules(RenderedJob(self, properties, spec.tuning_job_name), path=self.node.path, scope=self)
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
        if own_provider is None:
            StackLimits.of(self)

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

    # -- attributes ---------------------------------------------------------------------------------------------

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


def validate_tuning_job(spec: JobSpec) -> None:
    """Run every rule of the registry on ``spec``: the job's own rules, then its metric definitions'."""
    path = spec.job.node.path
    run_rules(spec, path=path, scope=spec.job)
    metrics = MetricSet(spec.metric_definitions, "training.metric_definitions", spec.image.sample_log_lines)
    run_rules(metrics, path=path, scope=spec.job)


def _render_request(spec: JobSpec, bound: BoundTraining) -> dict[str, Any]:
    """The ``CreateHyperParameterTuningJob`` request (without the job name) for validated props."""
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": spec.max_parallel_jobs}
    if spec.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = spec.max_jobs
    if spec.max_runtime is not None:
        limits["MaxRuntimeInSeconds"] = spec.max_runtime.to_seconds()
    config: dict[str, Any] = {
        **spec.strategy._render_config(),
        "HyperParameterTuningJobObjective": spec.objective._render(),
        "ResourceLimits": limits,
        "ParameterRanges": render_parameter_ranges(spec.parameter_ranges),
    }
    criteria = spec.completion_criteria._render() if spec.completion_criteria is not None else {}
    if criteria:
        config["TuningJobCompletionCriteria"] = criteria
    if spec.random_seed is not None:
        config["RandomSeed"] = spec.random_seed
    request: dict[str, Any] = {"HyperParameterTuningJobConfig": config, "TrainingJobDefinition": bound.definition}
    if spec.warm_start is not None:
        request["WarmStartConfig"] = spec.warm_start._render()
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in spec.tags.items()]
    return request
