"""HPO-ALGO: what a built-in algorithm accepts (its hyperparameter names)."""

from __future__ import annotations

import difflib

from .._validation import is_unresolved
from ..algorithms import XGBOOST_HYPERPARAMETERS
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec

#: Each built-in algorithm's hyperparameter names, where the library knows them.
KNOWN_HYPERPARAMETERS = {"xgboost": frozenset(XGBOOST_HYPERPARAMETERS)}


@rule(
    "HPO-ALGO-001",
    statement="Built-in XGBoost's hyperparameters (static, tuned and auto) are ones it accepts (with a did-you-mean); "
    "XGBoost fails a training job with an unknown one.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.ALGORITHM,
    reference="XGBoost hyperparameters (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html)",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _builtin_hyperparameter_names(job: JobSpec, finding: Finding) -> None:
    known = KNOWN_HYPERPARAMETERS.get(job.image.builtin_name or "")
    if known is None:
        return
    named = [("training.static_hyperparameters", str(n)) for n in job.training.static_hyperparameters]
    named += [("parameter_ranges", r.name) for r in job.parameter_ranges]
    named += [("auto_parameters", a.name) for a in job.auto_parameters]
    for where, name in named:
        if is_unresolved(name) or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        finding.warn(
            f"{where}: {name!r} is not a hyperparameter built-in {job.image.builtin_name} accepts{hint} (its training "
            "jobs would fail)"
        )
