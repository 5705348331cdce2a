"""HPO-ALGO: what a built-in algorithm accepts (its hyperparameter names)."""

from __future__ import annotations

import difflib

from .._validation import is_unresolved
from ..algorithms import BUILTIN_HYPERPARAMETERS, XGBOOST_HYPERPARAMETERS
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec

#: Each built-in algorithm's hyperparameter names (JumpStart-based ones included), where the library knows them.
KNOWN_HYPERPARAMETERS = {"xgboost": frozenset(XGBOOST_HYPERPARAMETERS)} | {
    name: names for name, (names, _) in BUILTIN_HYPERPARAMETERS.items()
}
#: Hyperparameters the SageMaker training toolkit reads (a JumpStart algorithm's script and its folder), not the
#: algorithm.
_TOOLKIT_PREFIX = "sagemaker_"


@rule(
    "HPO-ALGO-001",
    statement="A built-in algorithm's hyperparameters (static, tuned and auto) are ones its hyperparameters page lists "
    "(with a did-you-mean): a built-in algorithm fails a training job with an unknown one.",
    field="StaticHyperParameters, ParameterRanges",
    source=Source.ALGORITHM,
    reference="the algorithm's hyperparameters page (e.g. docs.aws.amazon.com/sagemaker/latest/dg/"
    "xgboost_hyperparameters.html, ll_hyperparameters.html, lightgbm-hyperparameters.html)",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _builtin_hyperparameter_names(job: JobSpec, finding: Finding) -> None:
    algorithm = job.image.builtin_name or job.image.jumpstart_name or ""
    known = KNOWN_HYPERPARAMETERS.get(algorithm)
    if known is None:
        return
    named = [("training.static_hyperparameters", str(n)) for n in job.training.static_hyperparameters]
    named += [("parameter_ranges", r.name) for r in job.parameter_ranges]
    named += [("auto_parameters", a.name) for a in job.auto_parameters]
    for where, name in named:
        if is_unresolved(name) or name in known or (job.image.jumpstart_name and name.startswith(_TOOLKIT_PREFIX)):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        finding.warn(
            f"{where}: {name!r} is not a hyperparameter built-in {algorithm} accepts{hint} ("
            + (
                "its hyperparameters page does not list it)"
                if job.image.jumpstart_name
                else "its training jobs would fail)"
            )
        )
