"""Built-in algorithms cannot run here: what can be checked without them (hyperparameter names, ranges, metrics).

The tables (``sagemaker_hpo.algorithms``, shared with the synth-time rules) hold the hyperparameters of SageMaker's
XGBoost algorithm with the values each accepts, and the metrics every built-in algorithm emits (the data file).
"""

from __future__ import annotations

from ..algorithms import XGBOOST_HYPERPARAMETERS, load_builtin_data
from .checks import Finding
from .job import JobSpec

#: The built-in algorithms whose hyperparameters (name -> accepted bounds) the dry run knows.
KNOWN_HYPERPARAMETERS = {"xgboost": XGBOOST_HYPERPARAMETERS}


def builtin_findings(spec: JobSpec, algorithm: str | None, uri: str | None) -> list[Finding]:
    """What can be said about a job whose image is a built-in algorithm (or any image the dry run cannot build)."""
    known_metrics = load_builtin_data()["algorithms"]
    if algorithm is None or algorithm not in known_metrics:
        return [
            Finding(
                "builtin",
                "warning",
                f"the training image {uri} is not an image asset of this assembly: its program cannot run here, and "
                "the dry run knows nothing about it",
            )
        ]
    metrics = known_metrics[algorithm]["metrics"]
    hyperparameters = KNOWN_HYPERPARAMETERS.get(algorithm)
    checked = "hyperparameter names, ranges and objective metric are" if hyperparameters else "objective metric is"
    findings = [
        Finding(
            "builtin",
            "info",
            f"built-in algorithm {algorithm} ({uri}): it cannot run on this machine, so no trial runs; only its "
            f"{checked} checked",
        )
    ]
    if spec.objective_name not in metrics:
        findings.append(
            Finding(
                "builtin",
                "error",
                f"objective {spec.objective_name} is not a metric {algorithm} emits for tuning "
                f"(it has {', '.join(sorted(metrics))})",
            )
        )
    if hyperparameters is None:
        return findings
    for name in list(spec.static_hyperparameters) + [r.name for r in spec.ranges]:
        if name not in hyperparameters:
            findings.append(Finding("builtin", "error", f"hyperparameter {name} is not one {algorithm} accepts"))
    for spec_range in spec.ranges:
        bounds = hyperparameters.get(spec_range.name)
        if bounds is None or spec_range.kind == "categorical":
            continue
        low, high = bounds
        assert spec_range.min_value is not None and spec_range.max_value is not None
        if spec_range.min_value < low or spec_range.max_value > high:
            findings.append(
                Finding(
                    "builtin",
                    "error",
                    f"range {spec_range.name} {spec_range.min_value}..{spec_range.max_value} leaves what {algorithm} "
                    f"accepts ({low}..{high}): training jobs at that end fail",
                )
            )
    return findings
