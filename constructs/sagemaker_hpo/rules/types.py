"""HPO-TYPE: typed props, checked on entry, before any other rule reads them.

Python does not check type hints at run time: a ``"2h"`` where a ``Duration`` belongs would otherwise surface as
``AttributeError: 'str' object has no attribute 'to_seconds'`` deep inside the library, naming neither the construct
nor the prop.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import types
import typing
from collections import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import import_module
from typing import Any

from aws_cdk import Duration, Size
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3

from .._validation import is_unresolved
from ._registry import Finding, Source, rule
from .subjects import ConstructProps, JobShape, JobSpec


@dataclass(frozen=True)
class Expect:
    """What a prop takes: a test and the words for it (``a Duration (e.g. Duration.hours(2))``)."""

    test: Callable[[Any], bool]
    description: str
    optional: bool = False
    #: For a list or a dict: what each item (each value) takes; a wrong one is reported by its index (key).
    item: Expect | None = None
    #: For a dict: what each key takes.
    key: Expect | None = None

    def maybe(self) -> Expect:
        return dataclasses.replace(self, optional=True)


def _instance(*types: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, types)


def _has(attribute: str) -> Callable[[Any], bool]:
    # The class first: a jsii class declares its properties there, and reading one from the object is a round trip.
    return lambda value: not isinstance(value, type) and (hasattr(type(value), attribute) or hasattr(value, attribute))


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


def _enum(enum_type: type) -> Expect:
    first = next(iter(enum_type))  # type: ignore[call-overload]
    return Expect(_instance(enum_type), f"a {enum_type.__name__} (e.g. {enum_type.__name__}.{first.name})")


def _words(name: str) -> str:
    return f"an {name}" if name[0] in "AEIOU" or name.startswith("S3") else f"a {name}"


@cache
def _described() -> dict[Any, Expect]:
    """What each type the props use takes, in words: the one place a type's description lives. Every prop's check
    is derived from its annotation (``expect_of``), so a new prop needs no entry here unless it brings a new type."""
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms

    from ..image import TrainingImage, TrainingImageSource
    from ..locations import S3Location
    from ..objective import Objective
    from ..provider import ImportedTuningJobProvider, TuningJobProvider
    from ..strategy import Strategy

    location = Expect(_instance(str, S3Location), "an s3:// URI string or an S3Location (e.g. S3Location.from_bucket)")
    image = Expect(
        lambda v: isinstance(v, TrainingImage) or _has("training_image")(v),
        "a TrainingImage (e.g. TrainingImage.builtin_algorithm('xgboost', '1.7-1')) or a construct with a "
        "training_image such as GpuTrainingImage",
    )
    return {
        str: STRING,
        int: INTEGER,
        float: NUMBER,
        bool: BOOL,
        Duration: DURATION,
        Size: SIZE,
        Objective: Expect(_instance(Objective), "an Objective (e.g. Objective.maximize('validation:auc'))"),
        Strategy: Expect(_instance(Strategy), "a strategy (e.g. Hyperband())"),
        frozenset((TrainingImage, TrainingImageSource)): image,
        frozenset((str, S3Location)): location,
        frozenset((TuningJobProvider, ImportedTuningJobProvider)): Expect(
            _instance(TuningJobProvider, ImportedTuningJobProvider),
            "a TuningJobProvider or an ImportedTuningJobProvider",
        ),
        frozenset((str, os.PathLike)): Expect(_instance(str, os.PathLike), "a folder path (str or pathlib.Path)"),
        iam.IRole: Expect(_has("role_arn"), "an iam.IRole (e.g. iam.Role.from_role_arn(...))"),
        kms.IKey: Expect(_has("key_arn"), "a kms.IKey"),
        ec2.IVpc: Expect(_has("vpc_id"), "an ec2.IVpc"),
        ec2.ISecurityGroup: Expect(_has("security_group_id"), "an ec2.ISecurityGroup"),
        ec2.ISubnet: Expect(_has("subnet_id"), "an ec2.ISubnet"),
        ec2.SubnetSelection: Expect(_instance(ec2.SubnetSelection), "an ec2.SubnetSelection"),
        s3.IBucket: Expect(_has("bucket_arn"), "an s3.IBucket"),
    }


def _origin(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    return types.UnionType if origin is typing.Union else origin


def expect_of(hint: Any) -> Expect:
    """What a prop annotated ``hint`` takes: its test and the words for it, derived from the annotation."""
    described = _described()
    origin = _origin(hint)
    if origin is types.UnionType:
        members = [m for m in typing.get_args(hint) if m is not type(None)]
        optional = len(members) < len(typing.get_args(hint))
        bare = frozenset(_origin(m) or m for m in members)
        if bare in described:
            found = described[bare]
        elif len(members) == 1:
            found = expect_of(members[0])
        else:
            parts = [expect_of(m) for m in members]
            names = [p.description for p in parts]
            if all(isinstance(m, type) and m not in described for m in members):  # "a X, Y or Z"
                names = names[:1] + [_bare(p) for p in parts[1:]]
            words = ", ".join(names[:-1]) + " or " + names[-1]
            found = Expect(lambda v, parts=parts: any(p.test(v) for p in parts), words)  # type: ignore[misc]
        return found.maybe() if optional else found
    if origin in (abc.Mapping, dict):
        key, value = typing.get_args(hint) or (Any, Any)
        if key is str and value is str:
            return STRING_MAP
        values = expect_of(value)
        return Expect(
            _instance(Mapping), f"a dict of {_bare(expect_of(key))} to {_bare(values)}", item=values, key=expect_of(key)
        )
    if origin in (abc.Sequence, list, tuple):
        (item,) = typing.get_args(hint)[:1] or (Any,)
        inner = expect_of(item)
        return Expect(_sequence, f"a list of {_bare(inner)}", item=inner)
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        return Expect(lambda v: v in choices, " or ".join(repr(c) for c in choices))
    if hint is Any:
        return Expect(lambda v: True, "anything")
    if hint in described:
        return described[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum(hint)
    if isinstance(hint, type):
        return Expect(_instance(hint), _words(hint.__name__))
    raise TypeError(f"no type check for the annotation {hint!r}: describe it in rules/types.py _described()")


def _bare(expect: Expect) -> str:
    """``Duration`` for ``a Duration (e.g. ...)``: the words for a list's items."""
    words = expect.description.split(" (e.g.")[0]
    for article in ("an ", "a "):
        words = words.removeprefix(article)
    return words


def props_of(target: Any) -> dict[str, Expect]:
    """Each prop of ``target`` (a dataclass, or a function whose keyword-only parameters are the props) with its
    check, derived from the annotations; ``Expect`` given in a dataclass field's ``metadata["expect"]`` wins."""
    from ..tuning_job import TuningJob  # named by annotations that import it only for type checking

    localns = {"TuningJob": TuningJob}
    if dataclasses.is_dataclass(target):
        hints = typing.get_type_hints(target, localns=localns)
        return {
            f.name: f.metadata.get("expect") or expect_of(hints[f.name])
            for f in dataclasses.fields(target)
            if not f.name.startswith("_")
        }
    hints = typing.get_type_hints(target, localns=localns)
    keyword = [p.name for p in inspect.signature(target).parameters.values() if p.kind is p.KEYWORD_ONLY]
    return {name: expect_of(hints[name]) for name in keyword}


#: The public types whose props are checked, by name (their annotations are the source of the checks).
_CHECKED = (
    "tuning_job.TuningJob",
    "tuning_job.CompletionCriteria",
    "training.TrainingDefinition",
    "gpu_image.GpuTrainingImage",
    "objective.Objective",
    "objective.MetricDefinition",
    "ranges.ContinuousRange",
    "ranges.IntegerRange",
    "ranges.CategoricalRange",
    "strategy.Hyperband",
    "strategy.Bayesian",
    "strategy.RandomSearch",
    "strategy.GridSearch",
    "warm_start.WarmStart",
    "locations.S3Location",
    "locations.S3Input",
    "instances.InstanceConfig",
    "channels.FileSystemInput",
    "definitions.TuningDefinition",
    "definitions.AutoParameter",
)


@cache
def _specs() -> dict[str, dict[str, Expect]]:
    specs: dict[str, dict[str, Expect]] = {}
    for dotted in _CHECKED + tuple(_EXTRA_CHECKED):
        module, name = dotted.rsplit(".", 1)
        target = getattr(import_module(f"sagemaker_hpo.{module}"), name)
        constructor = isinstance(target, type) and not dataclasses.is_dataclass(target)
        specs[name] = props_of(vars(target)["__init__"] if constructor else target)
    # A hyperparameter's value is checked, with better words, by HPO-HP-001.
    specs["TrainingDefinition"]["static_hyperparameters"] = Expect(_instance(Mapping), "a dict", key=STRING)
    # Bounds of ranges may be any number here: the range rules say what an integer range needs (HPO-RANGE).
    specs["IntegerRange"].update(min_value=NUMBER, max_value=NUMBER)
    specs["CategoricalRange"].pop("values", None)  # checked, with better words, by HPO-RANGE
    return specs


#: Further public types to check (``module.Class`` below the package), added by modules that define them.
_EXTRA_CHECKED: list[str] = []


def check_props(finding: Finding, prefix: str, value: Any, spec: Mapping[str, Expect]) -> None:
    """Check each prop of ``value`` (an object, or a mapping of prop to value) against ``spec``, the items of its
    lists and dicts, and the props of the value types it holds (``prefix`` names where it sits)."""
    for name, expect in spec.items():
        prop = value[name] if isinstance(value, Mapping) else getattr(value, name)
        if prop is None and expect.optional:
            continue
        where = f"{prefix}{name}"
        if not expect.test(prop):
            finding.wrong_type(where, prop, expect.description)
        if isinstance(prop, Mapping):
            for key, item in prop.items():
                if expect.key is not None and not expect.key.test(key):
                    finding.wrong_type(f"{where} key", key, expect.key.description)
                _check_item(finding, f"{where}[{key!r}]", item, expect.item)
        elif isinstance(prop, (list, tuple)) and not _list_token(prop):
            for index, item in enumerate(prop):
                _check_item(finding, f"{where}[{index}]", item, expect.item)
        else:
            check_value(finding, where, prop)


def _list_token(value: list[Any] | tuple[Any, ...]) -> bool:
    """A list token (one encoded element standing for a deploy-time list): no items to check."""
    return len(value) == 1 and isinstance(value[0], str) and is_unresolved(value)


def _check_item(finding: Finding, where: str, item: Any, expect: Expect | None) -> None:
    if expect is not None and not expect.test(item):
        finding.wrong_type(where, item, expect.description)
    check_value(finding, where, item)


def check_value(finding: Finding, field: str, value: Any) -> None:
    """Check a value type and its own props (``field`` names where it sits, e.g. ``training.inputs['train']``)."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    spec = _specs().get(type(value).__name__)
    if spec is not None:
        check_props(finding, f"{field}.", value, spec)


_STRATEGY_CLASSES = ("Hyperband", "Bayesian", "RandomSearch", "GridSearch")


@rule(
    "HPO-TYPE-001",
    statement="A strategy is an instance: Hyperband(), not the class Hyperband.",
    field="HyperParameterTuningJobConfig.Strategy",
    source=Source.LIBRARY,
    subjects=JobShape,
)
def _strategy_instance(shape: JobShape, finding: Finding) -> None:
    strategy: Any = shape.spec.strategy
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
    subjects=(JobShape, ConstructProps),
)
def _prop_types(shape: JobShape | ConstructProps, finding: Finding) -> None:
    if isinstance(shape, ConstructProps):
        check_props(finding, "", shape.props, _spec_of(shape.construct))
        return
    job = shape.spec
    spec = _spec_of("TuningJob")
    check_props(finding, "", {name: getattr(job, name) for name in spec}, spec)


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


@dataclass(frozen=True)
class FactoryArgument:
    """An argument of a value factory (``TrainingImage.builtin_algorithm``, ``S3Location.from_bucket``, ...) and
    whether it is of the type the factory takes: the subject of HPO-TYPE-004.

    :param field: the argument's name.
    :param value: the argument.
    :param expected: the type it takes, as the error says it (``a string (e.g. ...)``).
    :param accepted: whether ``value`` is of that type.
    """

    field: str
    value: Any
    expected: str
    accepted: bool


@rule(
    "HPO-TYPE-004",
    statement="The value factories (TrainingImage.*, S3Location.from_bucket) get arguments of the types they take.",
    field="(factory arguments)",
    source=Source.LIBRARY,
    subjects=FactoryArgument,
)
def _factory_argument(argument: FactoryArgument, finding: Finding) -> None:
    if not argument.accepted:
        finding.wrong_type(argument.field, argument.value, argument.expected)
