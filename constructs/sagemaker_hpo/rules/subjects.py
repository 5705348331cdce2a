"""What the rules inspect: a tuning job's props as given (``JobSpec``) and a set of metric definitions
(``MetricSet``, checked for a job and for a ``GpuTrainingImage``)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration

from .._tree import gibibytes_of, seconds_of

if TYPE_CHECKING:  # pragma: no cover
    from ..definitions import AutoParameter, TuningDefinition
    from ..image import TrainingImage
    from ..objective import MetricDefinition, Objective
    from ..provider import AnyTuningJobProvider
    from ..ranges import ParameterRange
    from ..strategy import Strategy
    from ..training import TrainingDefinition
    from ..tuning_job import CompletionCriteria, TuningJob
    from ..warm_start import WarmStart


@dataclass
class JobSpec:
    """A ``TuningJob``'s props, as passed, with the values the rules derive from them (computed once, on first use,
    after the type rules have checked the props).

    The props are ``TuningJob.__init__``'s keyword-only parameters, the one place each is declared: the job builds
    this from its arguments by name (:meth:`prop_names`), the type rule HPO-TYPE-002 derives each check from the
    parameter's annotation, and ``tests/test_rules_registry.py`` checks that the fields below mirror the signature.
    """

    job: TuningJob
    objective: Objective
    parameter_ranges: Sequence[ParameterRange]
    training: TrainingDefinition
    definitions: Sequence[TuningDefinition] | None
    autotune: bool
    auto_parameters: Sequence[AutoParameter]
    strategy: Strategy
    max_jobs: int | None
    max_parallel_jobs: int
    max_runtime: Duration | None
    completion_criteria: CompletionCriteria | None
    random_seed: int | None
    tags: Mapping[str, str]
    tuning_job_name: str | None
    wait_for_completion: bool
    provider: AnyTuningJobProvider
    warm_start: WarmStart | None
    request_overrides: Mapping[str, Any] | None
    #: Whether ``provider`` was passed (``False``: it is the stack's own, found or created by the job).
    provider_given: bool = True
    #: The definition this spec is the view of (a job with several definitions), else ``None``.
    definition: TuningDefinition | None = None

    def definition_views(self) -> list[JobSpec]:
        """The specs the rules check: this one, or with several definitions one per definition, whose
        ``training``, ``objective``, ``parameter_ranges`` and ``auto_parameters`` are the definition's."""
        if self.definitions is None:
            return [self]
        return [
            replace(
                self,
                training=d.training,
                objective=d.objective,
                parameter_ranges=d.parameter_ranges,
                auto_parameters=d.auto_parameters,
                definition=d,
            )
            for d in self.definitions
        ]

    @staticmethod
    def prop_names() -> frozenset[str]:
        """The props: ``TuningJob.__init__``'s keyword-only parameters."""
        return _prop_names()

    @cached_property
    def image(self) -> TrainingImage:
        from ..image import as_training_image

        return as_training_image(self.training.image)

    @cached_property
    def static_hyperparameters(self) -> dict[str, str]:
        """The static hyperparameters as SageMaker receives them."""
        from ..training import hyperparameter_text

        return {str(k): hyperparameter_text(v) for k, v in self.training.static_hyperparameters.items()}

    @cached_property
    def metric_definitions(self) -> list[MetricDefinition]:
        """The image's metric definitions, overridden by name by the training definition's."""
        merged = {m.name: m for m in self.image.metric_definitions}
        merged.update({m.name: m for m in self.training.metric_definitions})
        return list(merged.values())

    @cached_property
    def builtin_metrics(self) -> frozenset[str] | None:
        """The metrics a built-in algorithm emits; ``None`` for a custom image."""
        return self.image.builtin_metrics

    @cached_property
    def runtime_seconds(self) -> float | None:
        """The tuning job's ``max_runtime`` in seconds (``None`` when not set)."""
        return None if self.max_runtime is None else seconds_of(self.max_runtime)

    @cached_property
    def volume_gib(self) -> float:
        """The training volume in GiB, not rounded (a whole number once HPO-TYPE-003 has passed)."""
        return gibibytes_of(self.training.volume_size)

    @cached_property
    def training_runtime_seconds(self) -> float:
        """The training jobs' ``max_runtime`` in seconds."""
        return seconds_of(self.training.max_runtime)


@cache
def _prop_names() -> frozenset[str]:
    from ..tuning_job import TuningJob

    parameters = inspect.signature(TuningJob.__init__).parameters.values()
    return frozenset(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)


@dataclass(frozen=True)
class JobShape:
    """A ``TuningJob``'s props before the rules split them by definition: which of ``training``/``objective`` and
    ``definitions`` are given, the definitions' names, Autotune (rules HPO-TYPE-002 and HPO-DEF)."""

    spec: JobSpec


@dataclass(frozen=True)
class MetricSet:
    """Metric definitions to check, where they are declared (``field``), and the sample log lines of the image's
    program when it provides them (every regex must then read a number from one of them)."""

    definitions: Sequence[MetricDefinition]
    field: str
    sample_log_lines: Sequence[str] = ()


@dataclass(frozen=True)
class ConstructProps:
    """A construct's props as passed, checked by HPO-TYPE-002 against the type spec named ``construct`` (see
    ``rules/types.py``): ``run_rules(ConstructProps("GpuTrainingImage", {"directory": ...}), path=..., scope=...)``.
    """

    construct: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class RenderedJob:
    """A tuning job's custom resource properties, as rendered, for the app-level lifecycle rules.

    :param job: the ``TuningJob`` construct.
    :param properties: the custom resource's properties (``Request``, ``TuningJobName``, ...).
    :param tuning_job_name: the fixed job name, or ``None`` for a generated one.
    """

    job: TuningJob
    properties: Mapping[str, Any]
    tuning_job_name: str | None
