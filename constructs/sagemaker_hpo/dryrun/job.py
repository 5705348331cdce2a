"""A tuning job as typed values, read from the ``CreateHyperParameterTuningJob`` request the construct synthesizes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..instance_choices import instance_choices

#: Static hyperparameters from which SageMaker infers Hyperband's ``MaxResource`` (as ``sagemaker_hpo.strategy``;
#: repeated here so the dry run does not import the construct library).
EPOCH_HYPERPARAMETERS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")


class JobSpecError(ValueError):
    """The request cannot be rehearsed (e.g. a value is an unresolved CloudFormation expression)."""


@dataclass(frozen=True)
class ParameterRange:
    """One of the job's hyperparameter ranges.

    :param name: the hyperparameter's name.
    :param kind: ``continuous``, ``integer`` or ``categorical``.
    :param min_value: the smallest value (numeric ranges). Default: None.
    :param max_value: the largest value (numeric ranges). Default: None.
    :param values: the values of a categorical range. Default: none.
    :param scaling: the API's ``ScalingType`` (``Auto``, ``Linear``, ``Logarithmic``, ``ReverseLogarithmic``).
        Default: ``Auto``.
    """

    name: str
    kind: str
    min_value: float | None = None
    max_value: float | None = None
    values: tuple[str, ...] = ()
    scaling: str = "Auto"

    def ends(self) -> tuple[str, ...]:
        """The values a range-end check trial uses: minimum and maximum, or every categorical value."""
        if self.kind == "categorical":
            return self.values
        assert self.min_value is not None and self.max_value is not None
        return (self.format(self.min_value), self.format(self.max_value))

    def center(self) -> str:
        """A value inside the range (the middle in its scaling), used for the other hyperparameters of a check."""
        if self.kind == "categorical":
            return self.values[0]
        assert self.min_value is not None and self.max_value is not None
        low, high = self.min_value, self.max_value
        if self.scaling == "Logarithmic" and low > 0:
            middle = math.sqrt(low * high)
        elif self.scaling == "ReverseLogarithmic" and high < 1:
            middle = 1 - math.sqrt((1 - low) * (1 - high))
        else:
            middle = (low + high) / 2
        return self.format(middle)

    def format(self, value: float) -> str:
        """The value as SageMaker passes it to the program: a string, an integer for integer ranges."""
        if self.kind == "integer":
            return str(int(round(value)))
        return repr(float(value))


@dataclass(frozen=True)
class MetricDefinition:
    """A metric the job reads from the training log: its name and the regex whose first group is the value."""

    name: str
    regex: str


@dataclass(frozen=True)
class JobSpec:
    """What the dry run needs to know about one tuning job.

    :param path: the job's construct path, e.g. ``MlpHyperband/MlpTuning``.
    :param strategy: ``Hyperband``, ``Bayesian``, ``Random`` or ``Grid``.
    :param objective_name: the objective metric's name.
    :param objective_type: ``Maximize`` or ``Minimize``.
    :param ranges: the hyperparameter ranges.
    :param static_hyperparameters: the static hyperparameters (strings, as passed to the program).
    :param metric_definitions: the metric definitions of a custom image (empty for a built-in algorithm).
    :param max_jobs: ``MaxNumberOfTrainingJobs``. Default: None (Grid: every combination).
    :param max_parallel_jobs: ``MaxParallelTrainingJobs``. Default: 1.
    :param instance_type: the training instance type. Default: None.
    :param instance_count: the training instance count. Default: 1.
    :param max_runtime_seconds: ``StoppingCondition.MaxRuntimeInSeconds`` of each training job. Default: None.
    :param min_resource: Hyperband's ``MinResource``. Default: None.
    :param max_resource: Hyperband's ``MaxResource``, or the value inferred from a static epoch hyperparameter.
        Default: None.
    :param resource_hyperparameter: the static hyperparameter that holds the epochs (``epochs``, ...). Default: None.
    :param target_value: ``TuningJobCompletionCriteria.TargetObjectiveMetricValue``. Default: None.
    :param early_stopping: ``TrainingJobEarlyStoppingType``. Default: ``Off``.
    :param channels: the names of the training definition's input channels. Default: none.
    :param image: the training image as written in the request (a string or a CloudFormation expression).
    """

    path: str
    strategy: str
    objective_name: str
    objective_type: str
    ranges: tuple[ParameterRange, ...]
    static_hyperparameters: Mapping[str, str]
    metric_definitions: tuple[MetricDefinition, ...]
    max_jobs: int | None = None
    max_parallel_jobs: int = 1
    instance_type: str | None = None
    instance_count: int = 1
    max_runtime_seconds: int | None = None
    min_resource: int | None = None
    max_resource: int | None = None
    resource_hyperparameter: str | None = None
    target_value: float | None = None
    early_stopping: str = "Off"
    channels: tuple[str, ...] = ()
    image: Any = field(default=None, compare=False)

    @property
    def maximize(self) -> bool:
        """Whether a larger objective value is better."""
        return self.objective_type == "Maximize"

    def objective_definition(self) -> MetricDefinition | None:
        """The metric definition of the objective metric, if the job defines it."""
        return next((d for d in self.metric_definitions if d.name == self.objective_name), None)


def _literal(value: Any, what: str) -> str:
    """A request value that must be a plain literal for the dry run."""
    if isinstance(value, (dict, list)):
        raise JobSpecError(f"{what} is a CloudFormation expression ({value!r}); the dry run needs a literal value")
    return str(value)


def _number(value: Any, what: str) -> float:
    text = _literal(value, what)
    try:
        return float(text)
    except ValueError:
        raise JobSpecError(f"{what} is not a number: {text!r}") from None


def parse_ranges(config: Mapping[str, Any]) -> tuple[ParameterRange, ...]:
    """The ranges of ``HyperParameterTuningJobConfig.ParameterRanges``."""
    ranges: list[ParameterRange] = []
    raw = config.get("ParameterRanges") or {}
    for kind, key in (("integer", "IntegerParameterRanges"), ("continuous", "ContinuousParameterRanges")):
        for item in raw.get(key, []):
            name = _literal(item["Name"], "a range's Name")
            ranges.append(
                ParameterRange(
                    name=name,
                    kind=kind,
                    min_value=_number(item["MinValue"], f"range {name}: MinValue"),
                    max_value=_number(item["MaxValue"], f"range {name}: MaxValue"),
                    scaling=_literal(item.get("ScalingType", "Auto"), f"range {name}: ScalingType"),
                )
            )
    for item in raw.get("CategoricalParameterRanges", []):
        name = _literal(item["Name"], "a range's Name")
        values = tuple(_literal(v, f"range {name}: Values") for v in item["Values"])
        ranges.append(ParameterRange(name=name, kind="categorical", values=values))
    return tuple(ranges)


def job_spec_from_request(path: str, request: Mapping[str, Any]) -> JobSpec:
    """Read a ``CreateHyperParameterTuningJob`` request (the custom resource's ``Request`` property).

    :param path: the job's construct path.
    :param request: the request; values the dry run needs must be literals.
    """
    config = request["HyperParameterTuningJobConfig"]
    definitions = request.get("TrainingJobDefinitions")
    if "TrainingJobDefinition" in request:
        definition = request["TrainingJobDefinition"]
    elif definitions:
        if len(definitions) > 1:
            raise JobSpecError(
                f"{path}: the dry run rehearses one training definition, this job has {len(definitions)}"
            )
        definition = definitions[0]
    else:
        raise JobSpecError(f"{path}: the request has no TrainingJobDefinition")
    objective = config.get("HyperParameterTuningJobObjective") or definition.get("TuningObjective") or {}
    algorithm = definition.get("AlgorithmSpecification", {})
    static = {
        _literal(k, "a static hyperparameter name"): _literal(v, f"static hyperparameter {k}")
        for k, v in (definition.get("StaticHyperParameters") or {}).items()
    }
    strategy = _literal(config.get("Strategy", "Bayesian"), "Strategy")
    hyperband = (config.get("StrategyConfig") or {}).get("HyperbandStrategyConfig") or {}
    min_resource = int(_number(hyperband["MinResource"], "MinResource")) if "MinResource" in hyperband else None
    max_resource = int(_number(hyperband["MaxResource"], "MaxResource")) if "MaxResource" in hyperband else None
    resource_name = next((name for name in EPOCH_HYPERPARAMETERS if name in static), None)
    if max_resource is None and resource_name is not None and static[resource_name].isdigit():
        max_resource = int(static[resource_name])
    if strategy == "Hyperband" and min_resource is None:
        min_resource = 1
    limits = config.get("ResourceLimits") or {}
    # The first instance choice: ResourceConfig, the single form of HyperParameterTuningResourceConfig, or the
    # first of its InstanceConfigs (the one SageMaker uses while it has capacity).
    resources = next(iter(instance_choices(definition)), {})
    stopping = definition.get("StoppingCondition") or {}
    criteria = config.get("TuningJobCompletionCriteria") or {}
    return JobSpec(
        path=path,
        strategy=strategy,
        objective_name=_literal(objective.get("MetricName", ""), "the objective's MetricName"),
        objective_type=_literal(objective.get("Type", "Maximize"), "the objective's Type"),
        ranges=parse_ranges(config),
        static_hyperparameters=static,
        metric_definitions=tuple(
            MetricDefinition(_literal(d["Name"], "a metric's Name"), _literal(d["Regex"], f"metric {d['Name']}: Regex"))
            for d in algorithm.get("MetricDefinitions", [])
        ),
        max_jobs=int(_number(limits["MaxNumberOfTrainingJobs"], "MaxNumberOfTrainingJobs"))
        if "MaxNumberOfTrainingJobs" in limits
        else None,
        max_parallel_jobs=int(_number(limits.get("MaxParallelTrainingJobs", 1), "MaxParallelTrainingJobs")),
        instance_type=str(resources["InstanceType"]) if "InstanceType" in resources else None,
        instance_count=int(_number(resources.get("InstanceCount", 1), "InstanceCount")),
        max_runtime_seconds=int(_number(stopping["MaxRuntimeInSeconds"], "MaxRuntimeInSeconds"))
        if "MaxRuntimeInSeconds" in stopping
        else None,
        min_resource=min_resource,
        max_resource=max_resource,
        resource_hyperparameter=resource_name,
        target_value=_number(criteria["TargetObjectiveMetricValue"], "TargetObjectiveMetricValue")
        if "TargetObjectiveMetricValue" in criteria
        else None,
        early_stopping=str(config.get("TrainingJobEarlyStoppingType", "Off")),
        channels=tuple(str(c["ChannelName"]) for c in definition.get("InputDataConfig", [])),
        image=algorithm.get("TrainingImage", algorithm.get("AlgorithmName")),
    )
