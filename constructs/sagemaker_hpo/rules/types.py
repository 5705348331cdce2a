"""HPO-TYPE: typed props, checked on entry, before any other rule reads them.

Python does not check type hints at run time: a ``"2h"`` where a ``Duration`` belongs would otherwise surface as
``AttributeError: 'str' object has no attribute 'to_seconds'`` deep inside the library, naming neither the construct
nor the prop.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_cdk import Duration, Size
from aws_cdk import aws_ec2 as ec2

from .._validation import is_unresolved
from ._registry import Finding, Source, rule
from .subjects import ConstructProps, JobSpec


@dataclass(frozen=True)
class Expect:
    """What a prop takes: a test and the words for it (``a Duration (e.g. Duration.hours(2))``)."""

    test: Callable[[Any], bool]
    description: str
    optional: bool = False

    def maybe(self) -> Expect:
        return Expect(self.test, self.description, True)


def _instance(*types: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, types)


def _has(attribute: str) -> Callable[[Any], bool]:
    return lambda value: not isinstance(value, type) and hasattr(value, attribute)


def _integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and is_unresolved(value))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (not isinstance(value, (str, bytes, Mapping)) and is_unresolved(value))


def _string_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


STRING = Expect(_instance(str), "a string")
INTEGER = Expect(_integer, "an integer")
NUMBER = Expect(_number, "a number")
BOOL = Expect(_instance(bool), "a bool (True or False)")
DURATION = Expect(_instance(Duration), "a Duration (e.g. Duration.hours(2))")
SIZE = Expect(_instance(Size), "a Size (e.g. Size.gibibytes(50))")
STRING_MAP = Expect(_string_map, "a dict of str to str")
SEQUENCE = Expect(_sequence, "a list")
MAPPING = Expect(_instance(Mapping), "a dict")


def _spec_of(cls_name: str) -> dict[str, Expect]:
    """Each public type's props, by field (built on first use: the value types import this package lazily)."""
    return _specs()[cls_name]


@cache
def _specs() -> dict[str, dict[str, Expect]]:
    from ..image import TrainingImage
    from ..locations import CompressionType, InputMode, S3DataDistribution, S3Location
    from ..objective import MetricDefinition, Objective, ObjectiveType
    from ..provider import ImportedTuningJobProvider, TuningJobProvider
    from ..ranges import ScalingType
    from ..strategy import Strategy
    from ..training import TrainingDefinition
    from ..tuning_job import CompletionCriteria
    from ..warm_start import WarmStart, WarmStartType

    def enum(enum_type: type) -> Expect:
        first = next(iter(enum_type))  # type: ignore[call-overload]
        return Expect(_instance(enum_type), f"a {enum_type.__name__} (e.g. {enum_type.__name__}.{first.name})")

    location = Expect(_instance(str, S3Location), "an s3:// URI string or an S3Location (e.g. S3Location.from_bucket)")
    return {
        "TuningJob": {
            "objective": Expect(_instance(Objective), "an Objective (e.g. Objective.maximize('validation:auc'))"),
            "parameter_ranges": Expect(_sequence, "a list of ContinuousRange, IntegerRange or CategoricalRange"),
            "training": Expect(_instance(TrainingDefinition), "a TrainingDefinition(...)"),
            "strategy": Expect(_instance(Strategy), "a strategy (e.g. Hyperband())"),
            "max_jobs": INTEGER.maybe(),
            "max_parallel_jobs": INTEGER,
            "max_runtime": DURATION.maybe(),
            "completion_criteria": Expect(_instance(CompletionCriteria), "a CompletionCriteria(...)", True),
            "random_seed": INTEGER.maybe(),
            "tags": STRING_MAP,
            "tuning_job_name": STRING.maybe(),
            "wait_for_completion": BOOL,
            "provider": Expect(
                _instance(TuningJobProvider, ImportedTuningJobProvider),
                "a TuningJobProvider or an ImportedTuningJobProvider",
            ),
            "warm_start": Expect(_instance(WarmStart), "a WarmStart(parents=[...])", True),
        },
        "TrainingDefinition": {
            "image": Expect(
                lambda v: isinstance(v, TrainingImage) or _has("training_image")(v),
                "a TrainingImage (e.g. TrainingImage.builtin_algorithm('xgboost', '1.7-1')) or a construct with a "
                "training_image such as GpuTrainingImage",
            ),
            "inputs": Expect(_instance(Mapping), "a dict of channel name to an s3:// URI, S3Location or S3Input"),
            "output_path": location,
            "instance_type": Expect(_instance(str), "a string (e.g. 'ml.m5.xlarge')"),
            "allow_unlisted_instance_type": BOOL,
            "role": Expect(_has("role_arn"), "an iam.IRole (e.g. iam.Role.from_role_arn(...))", True),
            "instance_count": INTEGER,
            "volume_size": SIZE,
            "max_runtime": DURATION,
            "use_spot_instances": BOOL,
            "max_wait": DURATION.maybe(),
            "checkpoint_path": location.maybe(),
            "static_hyperparameters": MAPPING,
            "metric_definitions": Expect(
                lambda v: _sequence(v) and all(isinstance(m, MetricDefinition) for m in v),
                "a list of MetricDefinition",
            ),
            "environment": STRING_MAP,
            "vpc": Expect(_has("vpc_id"), "an ec2.IVpc", True),
            "subnets": Expect(_instance(ec2.SubnetSelection), "an ec2.SubnetSelection", True),
            "security_groups": Expect(
                lambda v: _sequence(v) and all(_has("security_group_id")(g) for g in v),
                "a list of ec2.ISecurityGroup",
                True,
            ),
            "enable_network_isolation": BOOL,
            "enable_inter_container_traffic_encryption": BOOL,
            "volume_kms_key": Expect(_has("key_arn"), "a kms.IKey", True),
            "output_kms_key": Expect(_has("key_arn"), "a kms.IKey", True),
            "input_mode": enum(InputMode),
        },
        "GpuTrainingImage": {
            "directory": Expect(_instance(str, os.PathLike), "a folder path (str or pathlib.Path)", True),
            "build_args": STRING_MAP.maybe(),
            "metric_definitions": Expect(
                lambda v: _sequence(v) and all(isinstance(m, MetricDefinition) for m in v),
                "a list of MetricDefinition",
                True,
            ),
            "sample_log_lines": Expect(
                lambda v: _sequence(v) and all(isinstance(line, str) for line in v), "a list of str", True
            ),
        },
        "Objective": {"metric_name": STRING, "type": enum(ObjectiveType)},
        "MetricDefinition": {"name": STRING, "regex": STRING},
        "ContinuousRange": {"name": STRING, "min_value": NUMBER, "max_value": NUMBER, "scaling": enum(ScalingType)},
        "IntegerRange": {"name": STRING, "min_value": NUMBER, "max_value": NUMBER, "scaling": enum(ScalingType)},
        "CategoricalRange": {"name": STRING},
        "Hyperband": {"min_resource": INTEGER, "max_resource": INTEGER.maybe()},
        "Bayesian": {"early_stopping": BOOL},
        "RandomSearch": {"early_stopping": BOOL},
        "GridSearch": {},
        "CompletionCriteria": {
            "target_objective_value": NUMBER.maybe(),
            "max_jobs_not_improving": INTEGER.maybe(),
            "complete_on_convergence": BOOL.maybe(),
        },
        "WarmStart": {"parents": SEQUENCE, "type": enum(WarmStartType)},
        "S3Location": {
            "bucket_name": STRING,
            "key_prefix": STRING,
            "bucket": Expect(_has("bucket_arn"), "an s3.IBucket", True),
            "kms_key": Expect(_has("key_arn"), "a kms.IKey", True),
        },
        "S3Input": {
            "location": Expect(_instance(S3Location), "an S3Location"),
            "content_type": STRING.maybe(),
            "input_mode": enum(InputMode).maybe(),
            "distribution": enum(S3DataDistribution),
            "compression": enum(CompressionType).maybe(),
        },
    }


def check_props(finding: Finding, prefix: str, value: Any, spec: Mapping[str, Expect]) -> None:
    """Check each prop of ``value`` (an object, or a mapping of prop to value) against ``spec``."""
    for name, expect in spec.items():
        prop = value[name] if isinstance(value, Mapping) else getattr(value, name)
        if prop is None and expect.optional:
            continue
        if not expect.test(prop):
            finding.wrong_type(f"{prefix}{name}", prop, expect.description)


def check_value(finding: Finding, field: str, value: Any) -> None:
    """Check a value type and its own props (``field`` names where it sits, e.g. ``training.inputs['train']``)."""
    spec = _specs().get(type(value).__name__)
    if spec is not None:
        check_props(finding, f"{field}.", value, spec)


_STRATEGY_CLASSES = ("Hyperband", "Bayesian", "RandomSearch", "GridSearch")


@rule(
    "HPO-TYPE-001",
    statement="A strategy is an instance: Hyperband(), not the class Hyperband.",
    field="HyperParameterTuningJobConfig.Strategy",
    source=Source.LIBRARY,
    subjects=JobSpec,
)
def _strategy_instance(job: JobSpec, finding: Finding) -> None:
    strategy: Any = job.strategy
    if inspect.isclass(strategy) and strategy.__name__ in _STRATEGY_CLASSES:
        finding.fail(
            "strategy", strategy.__name__, f"a strategy class, not a strategy: did you mean {strategy.__name__}()?"
        )


@rule(
    "HPO-TYPE-002",
    statement="Every prop of TuningJob (and of the value types it takes) and of GpuTrainingImage has the type its "
    "documentation states.",
    field="(every prop)",
    source=Source.LIBRARY,
    subjects=(JobSpec, ConstructProps),
)
def _prop_types(job: JobSpec | ConstructProps, finding: Finding) -> None:
    if isinstance(job, ConstructProps):
        check_props(finding, "", job.props, _spec_of(job.construct))
        return
    from ..locations import S3Input, S3Location
    from ..tuning_job import TuningJob

    props = {name: getattr(job, name) for name in _spec_of("TuningJob")}
    check_props(finding, "", props, _spec_of("TuningJob"))
    check_value(finding, "objective", job.objective)
    check_value(finding, "strategy", job.strategy)
    if job.completion_criteria is not None:
        check_value(finding, "completion_criteria", job.completion_criteria)
    if job.warm_start is not None:
        check_value(finding, "warm_start", job.warm_start)
        for index, parent in enumerate(job.warm_start.parents):
            if not isinstance(parent, (str, TuningJob)):
                finding.wrong_type(f"warm_start.parents[{index}]", parent, "a TuningJob or a tuning job name")
    for index, parameter_range in enumerate(job.parameter_ranges):
        where = f"parameter_ranges[{index}]"
        if type(parameter_range).__name__ not in ("ContinuousRange", "IntegerRange", "CategoricalRange"):
            finding.wrong_type(where, parameter_range, "a ContinuousRange, IntegerRange or CategoricalRange")
        check_value(finding, where, parameter_range)
    training = job.training
    check_value(finding, "training", training)
    for name, channel in training.inputs.items():
        where = f"training.inputs[{name!r}]"
        if not isinstance(name, str):
            finding.wrong_type("training.inputs channel name", name, "a string")
        if isinstance(channel, S3Input):
            check_value(finding, where, channel)
            check_value(finding, f"{where}.location", channel.location)
        elif isinstance(channel, S3Location):
            check_value(finding, where, channel)
        elif not isinstance(channel, str):
            finding.wrong_type(where, channel, "an s3:// URI string, an S3Location or an S3Input")
    for field_name in ("output_path", "checkpoint_path"):
        location = getattr(training, field_name)
        if location is not None and not isinstance(location, str):
            check_value(finding, f"training.{field_name}", location)
    for index, definition in enumerate(training.metric_definitions):
        check_value(finding, f"training.metric_definitions[{index}]", definition)
    for name in training.static_hyperparameters:
        if not isinstance(name, str):
            finding.wrong_type("training.static_hyperparameters name", name, "a string")


def _whole(finding: Finding, field: str, amount: float, unit: str, example: str) -> None:
    if not is_unresolved(amount) and not float(amount).is_integer():
        finding.fail(field, f"{amount:g} {unit}", f"must be a whole number of {unit} (e.g. {example})")


@rule(
    "HPO-TYPE-003",
    statement="Durations are whole seconds and the volume size whole GiB (the API takes integers).",
    field="ResourceLimits.MaxRuntimeInSeconds, StoppingCondition, ResourceConfig.VolumeSizeInGB",
    source=Source.SERVICE_MODEL,
    reference="integer shapes MaxRuntimeInSeconds, MaxWaitTimeInSeconds, OptionalVolumeSizeInGB",
    subjects=JobSpec,
)
def _whole_conversions(job: JobSpec, finding: Finding) -> None:
    if job.runtime_seconds is not None:
        _whole(finding, "max_runtime", job.runtime_seconds, "seconds", "Duration.hours(2)")
    _whole(finding, "training.max_runtime", job.training_runtime_seconds, "seconds", "Duration.hours(2)")
    if job.training.max_wait is not None:
        _whole(
            finding,
            "training.max_wait",
            job.training.max_wait.to_seconds(integral=False),
            "seconds",
            "Duration.hours(4)",
        )
    _whole(finding, "training.volume_size", job.volume_gib, "GiB", "Size.gibibytes(50)")
