"""HPO-ALGO: what a built-in algorithm accepts (its hyperparameter names)."""

from __future__ import annotations

import difflib

from .._validation import is_unresolved
from ..algorithms import BUILTIN_HYPERPARAMETERS, XGBOOST_HYPERPARAMETERS
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec

#: XGBoost's hyperparameter names: checked as an error (HPO-ALGO-001).
XGBOOST_NAMES = frozenset(XGBOOST_HYPERPARAMETERS)
#: The other built-ins' hyperparameter names (JumpStart-based ones included), from their pages: checked as a warning
#: (HPO-ALGO-002), since a page may lag behind the algorithm.
KNOWN_HYPERPARAMETERS = {name: names for name, (names, _) in BUILTIN_HYPERPARAMETERS.items()}
#: Hyperparameters the SageMaker training toolkit reads (a JumpStart algorithm's script and its folder), not the
#: algorithm.
_TOOLKIT_PREFIX = "sagemaker_"


def _unknown_names(job: JobSpec, known: frozenset[str]) -> list[tuple[str, str, str]]:
    """(field, name, did-you-mean hint) of each static, tuned or auto hyperparameter name not in ``known``."""
    named = [("training.static_hyperparameters", str(n)) for n in job.training.static_hyperparameters]
    named += [(f"parameter_ranges[{i}].name", r.name) for i, r in enumerate(job.parameter_ranges)]
    named += [(f"auto_parameters[{i}].name", a.name) for i, a in enumerate(job.auto_parameters)]
    unknown = []
    for where, name in named:
        if is_unresolved(name) or name in known or (job.image.jumpstart_name and name.startswith(_TOOLKIT_PREFIX)):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        unknown.append((where, name, f"; did you mean {close[0]!r}?" if close else ""))
    return unknown


@rule(
    "HPO-ALGO-001",
    statement="Built-in XGBoost's hyperparameters (static, tuned and auto) are ones it accepts (with a did-you-mean): "
    "SageMaker accepts the request, but XGBoost fails each training job at once with an unknown one.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.ALGORITHM,
    reference="XGBoost hyperparameters (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html)",
    subjects=JobSpec,
)
def _xgboost_hyperparameter_names(job: JobSpec, finding: Finding) -> None:
    if job.image.builtin_name != "xgboost":
        return
    for where, name, hint in _unknown_names(job, XGBOOST_NAMES):
        finding.fail(
            where,
            name,
            f"is not a hyperparameter built-in xgboost accepts{hint} (SageMaker would accept the request, but every "
            "training job would fail at once)",
        )


@rule(
    "HPO-ALGO-002",
    statement="Another built-in algorithm's hyperparameters (static, tuned and auto) are ones its hyperparameters "
    "page lists (with a did-you-mean); a warning, since a page may lag behind the algorithm.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.ALGORITHM,
    reference="the algorithm's hyperparameters page (e.g. docs.aws.amazon.com/sagemaker/latest/dg/"
    "ll_hyperparameters.html, lightgbm-hyperparameters.html)",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _builtin_hyperparameter_names(job: JobSpec, finding: Finding) -> None:
    algorithm = job.image.builtin_name or job.image.jumpstart_name or ""
    known = KNOWN_HYPERPARAMETERS.get(algorithm)
    if known is None:
        return
    for where, name, hint in _unknown_names(job, known):
        finding.warn(
            f"{where}: {name!r} is not a hyperparameter built-in {algorithm} accepts{hint} (its hyperparameters "
            "page does not list it)"
        )
