"""HPO-DEF: one training definition or several (``TrainingJobDefinitions``), and Autotune's auto parameters."""

from __future__ import annotations

import re

from .._validation import is_unresolved
from . import request_model
from ._registry import Finding, Source, rule
from .subjects import JobShape

#: Several definitions: at least 2 (one is ``training=``), at most the model's 10.
MIN_DEFINITIONS = 2


@rule(
    "HPO-DEF-001",
    statement="Without definitions, training and objective are required; with definitions, training, objective, "
    "parameter_ranges and auto_parameters stay unset on the job (each definition has its own).",
    field="TrainingJobDefinition, TrainingJobDefinitions",
    source=Source.API_REFERENCE,
    reference="CreateHyperParameterTuningJob: TrainingJobDefinition or TrainingJobDefinitions",
    subjects=JobShape,
)
def _one_or_several(shape: JobShape, finding: Finding) -> None:
    job = shape.spec
    if job.definitions is None:
        for name in ("training", "objective"):
            finding.require(
                getattr(job, name) is not None, name, None, "is required (or definitions=[TuningDefinition(...), ...])"
            )
        return
    for name in ("training", "objective"):
        finding.require(
            getattr(job, name) is None, name, getattr(job, name), "is set per TuningDefinition with definitions"
        )
    for name in ("parameter_ranges", "auto_parameters"):
        finding.require(
            not list(getattr(job, name)),
            name,
            f"{len(getattr(job, name))} entries",
            "are set per TuningDefinition with definitions",
        )


@rule(
    "HPO-DEF-002",
    statement="definitions holds 2 to 10 TuningDefinition (a single one is training=).",
    field="TrainingJobDefinitions",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTrainingJobDefinitions (max 10)",
    subjects=JobShape,
)
def _definition_count(shape: JobShape, finding: Finding) -> None:
    definitions = shape.spec.definitions
    if definitions is not None:
        high = request_model.shape("HyperParameterTrainingJobDefinitions")["max"]
        finding.count_between("definitions", definitions, MIN_DEFINITIONS, high)


@rule(
    "HPO-DEF-003",
    statement="Definition names are 1 to 64 letters, digits and hyphens (starting and ending with a letter or "
    "digit), unique in the job.",
    field="TrainingJobDefinitions.DefinitionName",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTrainingJobDefinitionName (pattern, max 64)",
    subjects=JobShape,
)
def _definition_names(shape: JobShape, finding: Finding) -> None:
    model_shape = request_model.shape("HyperParameterTrainingJobDefinitionName")
    seen: set[str] = set()
    for index, definition in enumerate(shape.spec.definitions or ()):
        name = definition.name
        if is_unresolved(name):
            continue
        where = f"definitions[{index}].name"
        finding.require(
            len(name) <= model_shape["max"] and re.fullmatch(model_shape["pattern"], name) is not None,
            where,
            name,
            "must be 1 to 64 letters, digits and hyphens, starting and ending with a letter or digit",
        )
        finding.require(name not in seen, where, name, "is the name of another definition: names must be unique")
        seen.add(name)


@rule(
    "HPO-DEF-004",
    statement="auto_parameters only with autotune=True: at most 100, unique names, none also a tuned range or a "
    "static hyperparameter.",
    field="ParameterRanges.AutoParameters",
    source=Source.API_REFERENCE,
    reference="ParameterRanges.AutoParameters: used by Autotune; shape AutoParameters (max 100)",
    subjects=JobShape,
)
def _auto_parameters(shape: JobShape, finding: Finding) -> None:
    job = shape.spec
    high = request_model.shape("AutoParameters")["max"]
    for view in job.definition_views():
        prefix = "" if view.definition is None else f"definitions[{job.definitions.index(view.definition)}]."  # type: ignore[union-attr]
        auto = list(view.auto_parameters)
        if not auto:
            continue
        finding.require(job.autotune, f"{prefix}auto_parameters", [a.name for a in auto], "need autotune=True")
        finding.count_between(f"{prefix}auto_parameters", auto, 0, high)
        taken = {r.name for r in view.parameter_ranges} | {str(k) for k in view.training.static_hyperparameters}
        seen: set[str] = set()
        for index, parameter in enumerate(auto):
            where = f"{prefix}auto_parameters[{index}]"
            finding.require(parameter.name not in seen, where, parameter.name, "appears twice")
            finding.require(
                parameter.name not in taken,
                where,
                parameter.name,
                "is also a tuned range or a static hyperparameter: give it one role",
            )
            seen.add(parameter.name)
