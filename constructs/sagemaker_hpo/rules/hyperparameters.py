"""HPO-HP: static hyperparameters (``StaticHyperParameters``)."""

from __future__ import annotations

import math

from .._validation import is_unresolved
from ..hyperparameters import Json
from . import service_model as model
from ._registry import Finding, Source, rule
from .subjects import JobSpec


@rule(
    "HPO-HP-001",
    statement="A static hyperparameter value is a str, int, float or bool, or Json(...) for structured values; None, "
    "dicts and lists are refused.",
    field="StaticHyperParameters.*",
    source=Source.LIBRARY,
    reference="values are sent as strings: a dict or None would become Python's repr",
    subjects=JobSpec,
)
def _value_types(job: JobSpec, finding: Finding) -> None:
    for name, value in job.training.static_hyperparameters.items():
        field = f"training.static_hyperparameters[{name!r}]"
        if value is None:
            finding.fail(field, value, "None is not a value: leave the hyperparameter out, or pass a string")
        if isinstance(value, (dict, list, tuple)):
            finding.fail(
                field,
                value,
                f"a {type(value).__name__} has no single string form: wrap it in Json(...) to send it as JSON text",
            )
        if not isinstance(value, (str, int, float, bool, Json)):
            finding.wrong_type(field, value, "a str, int, float, bool or Json(...)")
        if isinstance(value, float) and not is_unresolved(value) and not math.isfinite(value):
            finding.fail(field, value, "must be a finite number")
        if isinstance(value, Json):
            try:
                value.text()
            except (TypeError, ValueError) as err:
                finding.fail(field, value, f"Json(...) needs a JSON-serializable value ({err})")


@rule(
    "HPO-HP-002",
    statement="A static hyperparameter's name is 1 to 256 characters.",
    field="StaticHyperParameters (keys)",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterKey (max 256)",
    subjects=JobSpec,
)
def _names(job: JobSpec, finding: Finding) -> None:
    for name in job.static_hyperparameters:
        finding.length_between(
            f"training.static_hyperparameters name {name!r}", name, 1, model.maximum("HyperParameterKey")
        )


@rule(
    "HPO-HP-003",
    statement="A static hyperparameter's value is at most 2,500 characters.",
    field="StaticHyperParameters (values)",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterValue (max 2500)",
    subjects=JobSpec,
)
def _values(job: JobSpec, finding: Finding) -> None:
    for name, value in job.static_hyperparameters.items():
        finding.length_between(
            f"training.static_hyperparameters[{name!r}]",
            value,
            model.minimum("HyperParameterValue"),
            model.maximum("HyperParameterValue"),
        )


@rule(
    "HPO-HP-004",
    statement="Static plus tuned hyperparameters plus 1 is at most 100.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameters (max 100); SageMaker adds one hyperparameter of its own",
    subjects=JobSpec,
)
def _total(job: JobSpec, finding: Finding) -> None:
    static = len(job.static_hyperparameters)
    total = static + len(job.parameter_ranges) + 1
    limit = model.maximum("HyperParameters")
    finding.require(
        total <= limit,
        "training.static_hyperparameters",
        f"{static} static",
        f"static + tuned + 1 must be at most {limit} (is {total})",
    )
