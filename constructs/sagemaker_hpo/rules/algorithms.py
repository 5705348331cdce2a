"""HPO-ALGO: what a built-in algorithm accepts (its hyperparameter names)."""

from __future__ import annotations

import difflib

from .._validation import is_unresolved
from ..algorithms import XGBOOST_HYPERPARAMETERS
from ._registry import Finding, Source, rule
from .subjects import JobSpec

#: Each built-in algorithm's hyperparameter names, where the library knows them.
KNOWN_HYPERPARAMETERS = {"xgboost": frozenset(XGBOOST_HYPERPARAMETERS)}


@rule(
    "HPO-ALGO-001",
    statement="Built-in XGBoost's hyperparameters (static, tuned and auto) are ones it accepts (with a did-you-mean): "
    "SageMaker accepts the request, but XGBoost fails each training job at once with an unknown one.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.ALGORITHM,
    reference="XGBoost hyperparameters (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html)",
    subjects=JobSpec,
)
def _builtin_hyperparameter_names(job: JobSpec, finding: Finding) -> None:
    known = KNOWN_HYPERPARAMETERS.get(job.image.builtin_name or "")
    if known is None:
        return
    named = [("training.static_hyperparameters", str(n)) for n in job.training.static_hyperparameters]
    named += [(f"parameter_ranges[{i}].name", r.name) for i, r in enumerate(job.parameter_ranges)]
    named += [(f"auto_parameters[{i}].name", a.name) for i, a in enumerate(job.auto_parameters)]
    for where, name in named:
        if is_unresolved(name) or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        finding.fail(
            where,
            name,
            f"is not a hyperparameter built-in {job.image.builtin_name} accepts{hint} (SageMaker would accept the "
            "request, but every training job would fail at once)",
        )
