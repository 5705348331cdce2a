"""``TuningJob``: a SageMaker hyperparameter tuning job as a CloudFormation resource."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Annotations, CfnResource, Duration, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._contract import contract
from ._tree import path_of, remember_child, remember_stack, stack_of
from ._validation import is_unresolved
from .definitions import AutoParameter, TuningDefinition, render_ranges
from .guardrail_checks import check_tuning_job
from .handlers.job_waiter import contract as waiter_contract
from .limits import StackLimits
from .long_wait import BestTrainingJob, JobWaiter, LongWait
from .objective import Objective
from .provider import AnyTuningJobProvider, TuningJobProvider
from .ranges import ParameterRange
from .rules import JobSpec, MetricSet, run_rules
from .rules.attributes import JobAttribute
from .rules.definitions import JobShape
from .rules.lifecycle import RenderedJob
from .strategy import Hyperband, Strategy
from .training import BoundTraining, TrainingDefinition, bind_training
from .tuning_job_ref import ImportedTuningJob, TuningJobGrants
from .waiting import uses_wait_condition, wait_condition_timeout
from .warm_start import WarmStart

#: The template ``Metadata`` key that lists a job's request overrides (path to value).
OVERRIDES_METADATA_KEY = "sagemaker-hpo:RequestOverrides"


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
        objective: Objective | None = None,
        parameter_ranges: Sequence[ParameterRange] = (),
        training: TrainingDefinition | None = None,
        definitions: Sequence[TuningDefinition] | None = None,
        autotune: bool = False,
        auto_parameters: Sequence[AutoParameter] = (),
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
        request_overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """Validate the props (every rule of the registry), render the ``CreateHyperParameterTuningJob`` request
        and attach it to the stack as a custom resource.

        :param scope: the parent construct.
        :param construct_id: the construct id.
        :param objective: the metric to maximize or minimize, e.g. ``Objective.maximize("validation:auc")``.
            Required unless ``definitions`` are given (each has its own). Default: none.
        :param parameter_ranges: the hyperparameters to tune (1 to 30 in total; none with ``autotune`` and
            ``auto_parameters``): ``ContinuousRange``, ``IntegerRange`` and ``CategoricalRange``. Default: none.
        :param training: how each training job runs (``TrainingDefinition``). Required unless ``definitions`` are
            given. Default: none.
        :param definitions: several algorithms searched together: 2 to 10 ``TuningDefinition`` with unique names,
            each with its own training definition, objective and ranges (``TrainingJobDefinitions``); then
            ``objective``, ``parameter_ranges`` and ``training`` stay unset. Default: none.
        :param autotune: let SageMaker's Autotune choose the ranges, limits, strategy, early stopping and retries
            it is not given (``Autotune``). Default: False.
        :param auto_parameters: with ``autotune``, hyperparameters Autotune chooses the ranges of, from an example
            value (``AutoParameter("eta", "0.1")``; at most 100). Default: none.
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
        :param wait_for_completion: make the deployment wait for the job to finish, fail with SageMaker's
            ``FailureReason`` if it fails or is stopped, and expose the best training job (``best_training_job_name``,
            ``best_objective_value``, ``best_model_artifacts``). Needs a ``max_runtime`` of at most 11 h 45 min (a
            deployment waits at most 12 hours; a job spends minutes starting and stopping). Up to 45 minutes the
            job's custom resource waits itself; longer jobs are waited for with a ``WaitCondition`` signalled on the
            job's state-change event. Default: False.
        :param provider: the custom resource provider. Default: this stack's shared ``TuningJobProvider``; in a stack
            that imports a platform (``HpoPlatform.from_parameters``) it is required (``provider=platform.provider``,
            rule HPO-JOB-016).
        :param warm_start: start from 1 to 5 earlier tuning jobs with the same objective. Default: none.
        :param request_overrides: members of the request no typed prop expresses, by member path (see
            :meth:`add_request_override`, which these are passed to). Default: none.
        :raises ValidationError: when a prop breaks a rule (the message names the path, the prop and the rule id).
        """
        super().__init__(scope, construct_id)
        # Known from the scope, not asked (each is a jsii round trip): the rules, the binding and the guardrails use them.
        remember_stack(self, stack_of(scope))
        remember_child(self, scope, construct_id)
        path = path_of(self)
        own_provider: TuningJobProvider | None = None
        if provider is None:
            provider_given = False
            own_provider = provider = TuningJobProvider.of(scope)  # the same stack; often the stack itself
        else:
            provider_given = True
        arguments = {name: value for name, value in locals().items() if name in JobSpec.prop_names()}
        # The defaults the rules see: the strategy, no tags, the provider found or created above.
        arguments.update(
            strategy=Hyperband() if strategy is None else strategy, tags={} if tags is None else tags, provider=provider
        )
        spec = JobSpec(job=self, provider_given=provider_given, **arguments)
        self.strategy: Strategy = spec.strategy
        self.wait_for_completion = wait_for_completion
        self.provider: AnyTuningJobProvider = provider
        #: The warm start, if any (its parents and type).
        self.warm_start = warm_start

        run_rules(JobShape(spec), path=path, scope=self)  # HPO-DEF: which of the props are given
        views = spec.definition_views()
        for index, view in enumerate(views):
            where = path if view.definition is None else f"{path}: definitions[{index}]"
            validate_tuning_job(view, path=where)
        bound = [
            bind_training(
                self if view.definition is None else Construct(self, view.definition.name),
                view.training,
                volume_gib=view.volume_gib,
            )
            for view in views
        ]
        self.objective = views[0].objective
        self.parameter_ranges = tuple(r for view in views for r in view.parameter_ranges)
        #: Static plus tuned hyperparameters (the most of any definition): warm-start parents and children must
        #: have as many.
        self.hyperparameter_count = max(
            len(b.static_hyperparameters) + len(view.parameter_ranges) for view, b in zip(views, bound, strict=True)
        )
        #: The role SageMaker assumes for the training jobs (the first definition's, with several).
        self.training_role = bound[0].role
        #: The roles of every definition.
        self.training_roles: tuple[iam.IRole, ...] = tuple(b.role for b in bound)
        #: The security groups of the training containers (a job in a VPC); see :attr:`connections`.
        self.security_groups: tuple[ec2.ISecurityGroup, ...] = tuple(g for b in bound for g in b.security_groups)
        #: The ``CreateHyperParameterTuningJob`` request, without the job name.
        self.request: dict[str, Any] = _render_request(spec, views, bound)
        self._request_overrides: dict[str, Any] = {}
        check_tuning_job(self)  # the guardrails of its provider (a platform's or team's), if any
        self._attach(spec, bound, own_provider)
        for path, value in (request_overrides or {}).items():
            self.add_request_override(path, value)

    def _attach(self, spec: JobSpec, bound: list[BoundTraining], own_provider: TuningJobProvider | None) -> None:
        """The custom resource that creates the job, its provider's permissions and the stack's limits check."""
        for each in bound:
            self.provider.allow_pass_role(each.role)
        runtime = spec.runtime_seconds
        resolved = runtime is None or not is_unresolved(runtime)
        #: Whether the deployment waits with a ``WaitCondition`` (``long_wait.LongWait``) rather than the job's own
        #: custom resource (a waited job whose max_runtime is over 45 minutes).
        self.waits_with_condition = spec.wait_for_completion and uses_wait_condition(runtime, resolved)
        polled = spec.wait_for_completion and not self.waits_with_condition
        properties: dict[str, Any] = {
            contract.PROP_REQUEST: self.request,
            contract.PROP_NAME_PREFIX: self.provider.name_prefix,
            contract.PROP_WAIT_FOR_COMPLETION: "true" if polled else "false",
        }
        if polled:  # only read when waiting; every job of a large stack would repeat it otherwise
            properties[contract.PROP_WAIT_TIMEOUT_SECONDS] = str(contract.MAX_WAIT_TIMEOUT_SECONDS)
        if spec.tuning_job_name is not None:
            properties[contract.PROP_TUNING_JOB_NAME] = spec.tuning_job_name
            self.provider.allow_job_name(spec.tuning_job_name)
        run_rules(RenderedJob(self, properties, spec.tuning_job_name), path=path_of(self), scope=self)
        # An L1 resource, not the L2 ``CustomResource``: the same template (``ServiceToken`` first, no removal
        # policies, which default to Delete), in one jsii call instead of the L2's six (its constructor, its
        # default child and two removal policies to clear again), which a stack of hundreds of jobs pays per job.
        #: The ``Custom::SageMakerHyperParameterTuningJob`` resource (``ref``, ``get_att``, ``add_property_override``).
        self.resource = CfnResource(
            self,
            "Resource",
            type=contract.RESOURCE_TYPE,
            properties={contract.PROP_SERVICE_TOKEN: self.provider.service_token, **properties},
        )
        node = self.resource.node
        for each in bound:
            node.add_dependency(each.role)
        for parent in spec.warm_start.parents if spec.warm_start is not None else ():
            if isinstance(parent, TuningJob) and parent.long_wait is not None:  # a parent must have finished
                node.add_dependency(parent.long_wait.condition)
        # The stack's own provider holds the stack's limits check; an explicit provider may live in another stack.
        if own_provider is None:
            StackLimits.of(self)
        #: The long wait (a waited job over 45 minutes), else None.
        self.long_wait: LongWait | None = None
        self._best: BestTrainingJob | None = None
        if self.waits_with_condition:
            self.long_wait = LongWait(
                self,
                "Wait",
                tuning_job_name=self.tuning_job_name,
                tuning_job_arn_value=self.tuning_job_arn,
                training_job_name_prefixes=self._training_job_name_prefixes(spec),
                job_resource=self.resource,
                request_digest=_digest(Stack.of(self).resolve(properties)),
                timeout_seconds=wait_condition_timeout(runtime, resolved),
            )
            self._best = self.long_wait.best

    def _training_job_name_prefixes(self, spec: JobSpec) -> list[str]:
        """The names whose training jobs may be this job's best: its own and its warm-start parents' (lower case,
        as SageMaker's ARNs carry them; generated names are lower case already)."""
        names: list[str | TuningJob] = [spec.tuning_job_name or self]
        if spec.warm_start is not None:
            names.extend(spec.warm_start.parents)
        return [
            name.tuning_job_name if isinstance(name, TuningJob) else name if is_unresolved(name) else name.lower()
            for name in names
        ]

    def _best_training_job(self) -> BestTrainingJob:
        """The ``BestTrainingJob`` resource: the long wait's, or (a job its own custom resource waits for) one
        created on first use, after the job's resource."""
        if self._best is None:
            self._best = BestTrainingJob(
                self,
                "Best",
                waiter=JobWaiter.of(self),
                tuning_job_name=self.tuning_job_name,
                tuning_job_arn_value=self.tuning_job_arn,
                training_job_name_prefixes=[self.tuning_job_name],
                after=[self.resource],
            )
        return self._best

    def add_request_override(self, path: str, value: Any) -> None:
        """Set a member of the ``CreateHyperParameterTuningJob`` request that no typed prop expresses, e.g.
        ``job.add_request_override("TrainingJobDefinition.StoppingCondition.MaxPendingTimeInSeconds", 7200)``.

        The path is checked against botocore's SageMaker model at synth time (an unknown path, a value of the wrong
        type, out of range, not in the enum or not matching the pattern raises ``ValidationError`` naming the path
        and the rule id, HPO-OVR); fields a typed prop expresses and those the library owns (job name, tags, role)
        are refused. Items of a list are addressed by index (``TrainingJobDefinition.InputDataConfig[0].X``).
        ``docs/api-coverage.md`` lists every path. Each override is listed in the template (the resource's
        ``Metadata`` key ``sagemaker-hpo:RequestOverrides``) and as an info annotation, so reviewers see it.

        :param path: the member path, dot-separated, as the API names the members.
        :param value: the value, as the API takes it (numbers as numbers, structures as dicts).
        :raises ValidationError: when the override breaks a rule.
        """
        from .rules.overrides import RequestOverride

        override = RequestOverride(path, value, self.request)
        run_rules(override, path=self.node.path, scope=self)
        parts = override.parts or []
        node: Any = self.request
        for part, following in zip(parts, parts[1:], strict=False):
            node = (
                node[part] if isinstance(part, int) else node.setdefault(part, [] if isinstance(following, int) else {})
            )
        node[parts[-1]] = value
        self._request_overrides[path] = value
        dotted = ".".join(str(p) for p in parts)
        self.resource.add_property_override(f"{contract.PROP_REQUEST}.{dotted}", value)
        self.resource.add_metadata(OVERRIDES_METADATA_KEY, dict(self._request_overrides))
        Annotations.of(self).add_info(
            f"request override {path} = {value!r}: checked against botocore's model only (docs/api-coverage.md)"
        )

    @property
    def request_overrides(self) -> Mapping[str, Any]:
        """The request overrides added so far, by path."""
        return dict(self._request_overrides)

    @staticmethod
    def from_tuning_job_name(scope: Construct, construct_id: str, tuning_job_name: str) -> ImportedTuningJob:
        """A tuning job that exists outside this app, for grants (``grant_read``, ``grant_stop``) and references."""
        return ImportedTuningJob(scope, construct_id, tuning_job_name=tuning_job_name)

    @property
    def connections(self) -> ec2.Connections:
        """The network connections of the training containers (a job with ``training.vpc`` only).

        For example ``database.connections.allow_default_port_from(job)``.

        :raises ValidationError: for a job without ``training.vpc`` (HPO-ATTR-001).
        """
        self._check_attribute("connections")  # HPO-ATTR-001
        return ec2.Connections(security_groups=list(self.security_groups))

    # -- attributes ---------------------------------------------------------------------------------------------

    @property
    def tuning_job_name(self) -> str:
        """The tuning job's name (a deploy-time token)."""
        return self._attribute(contract.ATTR_TUNING_JOB_NAME)

    @property
    def tuning_job_arn(self) -> str:
        """The tuning job's ARN (a deploy-time token)."""
        return self._attribute(contract.ATTR_TUNING_JOB_ARN)

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
        """One tuned hyperparameter of the best training job; only with ``wait_for_completion``.

        :raises ValidationError: for a name that is not tuned (HPO-ATTR-002) or a job the deployment does not wait
            for (HPO-ATTR-003).
        """
        self._check_attribute("best_hyperparameter", hyperparameter=name)  # HPO-ATTR-002
        return self._waited_attribute(contract.ATTR_BEST_HYPERPARAMETER_PREFIX + name)

    @property
    def best_model_artifacts(self) -> str:
        """The S3 URI of the best training job's model artifacts (``model.tar.gz``), e.g. for a ``CfnModel``'s
        ``model_data_url``; only with ``wait_for_completion``."""
        self._waited_attribute(waiter_contract.ATTR_BEST_MODEL_ARTIFACTS)
        return self._best_training_job().attribute(waiter_contract.ATTR_BEST_MODEL_ARTIFACTS)

    def _check_attribute(self, name: str, *, hyperparameter: str | None = None, waited: bool = False) -> None:
        """Run the ``HPO-ATTR`` rules for the attribute ``name`` an app asks for."""
        attribute = JobAttribute(
            name,
            has_vpc=bool(self.security_groups),
            waits=bool(self.wait_for_completion),
            tuned=frozenset(r.name for r in self.parameter_ranges),
            hyperparameter=hyperparameter,
            waited=waited,
        )
        run_rules(attribute, path=self.node.path, scope=self)

    def _waited_attribute(self, name: str) -> str:
        self._check_attribute(name, waited=True)  # HPO-ATTR-003
        if self.long_wait is not None:
            return self.long_wait.best.attribute(name)
        return self._attribute(name)

    def _attribute(self, name: str) -> str:
        """The job resource's attribute ``name`` (``Fn::GetAtt``), as a string token."""
        return Token.as_string(self.resource.get_att(name))


def _digest(resolved_properties: Any) -> str:
    """Eight hex digits of the resolved properties: the long wait's pair of logical ids ends with them."""
    text = json.dumps(resolved_properties, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()


def validate_tuning_job(spec: JobSpec, *, path: str | None = None) -> None:
    """Run every rule of the registry on ``spec``: the job's own rules, then its metric definitions'."""
    path = spec.job.node.path if path is None else path
    run_rules(spec, path=path, scope=spec.job)
    metrics = MetricSet(spec.metric_definitions, "training.metric_definitions", spec.image.sample_log_lines)
    run_rules(metrics, path=path, scope=spec.job)


def _render_request(spec: JobSpec, views: list[JobSpec], bound: list[BoundTraining]) -> dict[str, Any]:
    """The ``CreateHyperParameterTuningJob`` request (without the job name) for validated props."""
    limits: dict[str, Any] = {"MaxParallelTrainingJobs": spec.max_parallel_jobs}
    if spec.max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = spec.max_jobs
    if spec.max_runtime is not None:
        limits["MaxRuntimeInSeconds"] = spec.max_runtime.to_seconds()
    config: dict[str, Any] = {**spec.strategy._render_config(), "ResourceLimits": limits}
    criteria = spec.completion_criteria._render() if spec.completion_criteria is not None else {}
    if criteria:
        config["TuningJobCompletionCriteria"] = criteria
    if spec.random_seed is not None:
        config["RandomSeed"] = spec.random_seed
    request: dict[str, Any] = {"HyperParameterTuningJobConfig": config}
    if spec.definitions is None:
        assert spec.objective is not None  # a programming error: HPO-DEF-001 requires it without definitions
        config["HyperParameterTuningJobObjective"] = spec.objective._render()
        config["ParameterRanges"] = render_ranges(spec.parameter_ranges, spec.auto_parameters)
        request["TrainingJobDefinition"] = bound[0].definition
    else:
        request["TrainingJobDefinitions"] = [
            {
                "DefinitionName": view.definition.name,
                "TuningObjective": view.objective._render(),
                "HyperParameterRanges": view.definition._render_ranges(),
                **each.definition,
            }
            for view, each in zip(views, bound, strict=True)
            if view.definition is not None
        ]
    if spec.autotune:
        request["Autotune"] = {"Mode": "Enabled"}
    if spec.warm_start is not None:
        request["WarmStartConfig"] = spec.warm_start._render()
    if spec.tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in spec.tags.items()]
    return request
