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


#: The hyperparameter SageMaker adds to every training job of a tuning job: the objective metric's name.
TUNING_OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric"
#: The hyperparameters the SageMaker training toolkit (sagemaker-training, used by SageMaker's framework containers)
#: reads for itself and keeps out of the program's arguments (``sagemaker_training.params.SAGEMAKER_HYPERPARAMETERS``).
TOOLKIT_HYPERPARAMETERS = frozenset(
    {
        "sagemaker_program",
        "sagemaker_submit_directory",
        "sagemaker_enable_cloudwatch_metrics",
        "sagemaker_region",
        "sagemaker_container_log_level",
        "sagemaker_job_name",
        "default_user_module_name",
        "sagemaker_s3_output",
        TUNING_OBJECTIVE_HYPERPARAMETER,
    }
)


@rule(
    "HPO-HP-005",
    statement="No static or tuned hyperparameter is named _tuning_objective_metric: SageMaker sets it in every "
    "training job of a tuning job.",
    field="StaticHyperParameters, ParameterRanges.*.Name",
    source=Source.API_REFERENCE,
    reference="DescribeTrainingJob of a tuning job's training job: HyperParameters._tuning_objective_metric "
    "(SageMaker Python SDK, tuner.py: 'hyperparameter reserved by SageMaker for tuning jobs')",
    subjects=JobSpec,
)
def _objective_name_reserved(job: JobSpec, finding: Finding) -> None:
    names = [("training.static_hyperparameters", str(n)) for n in job.training.static_hyperparameters]
    names += [(f"parameter_ranges[{i}].name", r.name) for i, r in enumerate(job.parameter_ranges)]
    for field, name in names:
        finding.require(
            name != TUNING_OBJECTIVE_HYPERPARAMETER,
            field,
            name,
            "is reserved: SageMaker passes the objective metric's name to every training job under this name",
        )


@rule(
    "HPO-HP-006",
    statement="No tuned hyperparameter is one the SageMaker training toolkit reads for itself (sagemaker_program, "
    "sagemaker_submit_directory, sagemaker_region, ...): the program would never see the tuned value.",
    field="ParameterRanges.*.Name",
    source=Source.LIBRARY,
    reference="sagemaker-training-toolkit src/sagemaker_training/params.py: SAGEMAKER_HYPERPARAMETERS",
    subjects=JobSpec,
)
def _toolkit_names_not_tuned(job: JobSpec, finding: Finding) -> None:
    for index, parameter_range in enumerate(job.parameter_ranges):
        name = parameter_range.name
        finding.require(
            is_unresolved(name) or name not in TOOLKIT_HYPERPARAMETERS,
            f"parameter_ranges[{index}].name",
            name,
            "is read by the SageMaker training toolkit for itself (not passed to the program): tune a hyperparameter "
            "of the program instead",
        )
