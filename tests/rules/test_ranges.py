"""The rules of ``sagemaker_hpo.rules.ranges`` (HPO-RANGE): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import CategoricalRange, ContinuousRange, IntegerRange, ScalingType
from tests import request_cases
from tests.rules.builders import ETA, custom_image_job
from tests.rules.cases import Overrides, accepts, cases_of, rejects

FAILING: list[tuple[str, Overrides, str]] = [
    # ranges
    (
        "HPO-RANGE-001:too-many",
        lambda s: {"parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(31)]},
        r"parameter_ranges: '31 entries'.*1 to 30",
    ),
    ("HPO-RANGE-001:none", lambda s: {"parameter_ranges": []}, r"parameter_ranges: '0 entries'"),
    ("HPO-RANGE-002", lambda s: {"parameter_ranges": [ContinuousRange("n" * 257, 0, 1)]}, r"\.name.*1 to 256"),
    (
        "HPO-RANGE-003",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("eta", 1, 3)]},
        r"parameter_ranges\[1\] \(eta\).name: 'eta'.*one range only",
    ),
    (
        "HPO-RANGE-004",
        lambda s: {"parameter_ranges": [IntegerRange("num_round", 1, 3)]},
        r"\(num_round\).name: 'num_round'.*also a static hyperparameter",
    ),
    (
        "HPO-RANGE-005",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, float("inf"))]},
        r"\(eta\).max_value: inf.*finite number",
    ),
    (
        "HPO-RANGE-006:fraction",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 1.5, 4)]},  # type: ignore[arg-type]
        r"\(depth\).min_value: 1.5.*integer",
    ),
    (
        "HPO-RANGE-006:huge",
        lambda s: {"parameter_ranges": [IntegerRange("n", 1, 10**20)]},
        r"\(n\).max_value: 100000000000000000000.*64-bit integer",
    ),
    (
        "HPO-RANGE-007",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 1, 1)]},
        r"\(eta\).min_value: 1.*less than max_value \(1\)",
    ),
    (
        "HPO-RANGE-008",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1, ScalingType.LOGARITHMIC)]},
        r"\(eta\).min_value: 0.*Logarithmic scaling needs min_value > 0",
    ),
    (
        "HPO-RANGE-009",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 0, 5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(depth\).scaling: 'ReverseLogarithmic'.*continuous ranges only",
    ),
    (
        "HPO-RANGE-010:max",
        lambda s: {"parameter_ranges": [ContinuousRange("m", 0.5, 1, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).max_value: 1.*max_value < 1",
    ),
    (
        "HPO-RANGE-010:min",
        lambda s: {"parameter_ranges": [ContinuousRange("m", -0.5, 0.5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).min_value: -0.5.*min_value >= 0",
    ),
    (
        "HPO-RANGE-011",
        lambda s: {"parameter_ranges": [CategoricalRange("booster", "dart")]},  # type: ignore[arg-type]
        r"\(booster\).values: 'dart'; must be a list of values, e.g. \['dart'\], not a bare string",
    ),
    (
        "HPO-RANGE-012:none",
        lambda s: {"parameter_ranges": [CategoricalRange("c", ["a", None])]},  # type: ignore[list-item]
        r"\(c\).values\[1\]: expected a str, int, float or bool, got NoneType None",
    ),
    (
        "HPO-RANGE-012:dict",
        lambda s: {"parameter_ranges": [CategoricalRange("c", [{"a": 1}])]},  # type: ignore[list-item]
        r"\(c\).values\[0\]: expected a str, int, float or bool, got dict",
    ),
    (
        "HPO-RANGE-013:too-many",
        lambda s: {"parameter_ranges": [CategoricalRange("c", list(range(31)))]},
        r"parameter_ranges\[0\] \(c\).values: '31 entries'.*1 to 30",
    ),
    ("HPO-RANGE-013:empty", lambda s: {"parameter_ranges": [CategoricalRange("c", [])]}, r"\(c\).values: '0 entries'"),
    (
        "HPO-RANGE-014",
        lambda s: {"parameter_ranges": [CategoricalRange("c", [1, "1"])]},
        r"\(c\).values: \['1'\]; values must be unique",
    ),
    (
        "HPO-RANGE-015",
        lambda s: {"parameter_ranges": [CategoricalRange("c", ["v" * 257])]},
        r"\(c\).values.*1 to 256",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    (
        "HPO-RANGE-001",
        lambda s: {**custom_image_job(s), "parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(30)]},
    ),
    ("HPO-RANGE-002", lambda s: {**custom_image_job(s), "parameter_ranges": [ContinuousRange("n" * 256, 0, 1)]}),
    (
        "HPO-RANGE-003",
        lambda s: {
            **custom_image_job(s),
            "parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("depth", 1, 3)],
        },
    ),
    ("HPO-RANGE-004", lambda s: {**custom_image_job(s), "parameter_ranges": [ETA, IntegerRange("rounds", 1, 3)]}),
    ("HPO-RANGE-005", lambda s: {"parameter_ranges": [ContinuousRange("eta", -1e300, 1e300)]}),
    ("HPO-RANGE-006", lambda s: {**custom_image_job(s), "parameter_ranges": [IntegerRange("n", -(2**63), 2**63 - 1)]}),
    ("HPO-RANGE-007", lambda s: {"parameter_ranges": [ContinuousRange("eta", 0.1, 0.2)]}),
    (
        "HPO-RANGE-008",
        lambda s: {
            **custom_image_job(s),
            "parameter_ranges": [ContinuousRange("lr", 1e-6, 0.1, ScalingType.LOGARITHMIC)],
        },
    ),
    (
        "HPO-RANGE-009",
        lambda s: {**custom_image_job(s), "parameter_ranges": [IntegerRange("b", 4, 512, ScalingType.LOGARITHMIC)]},
    ),
    (
        "HPO-RANGE-010",
        lambda s: {
            **custom_image_job(s),
            "parameter_ranges": [ContinuousRange("m", 0, 0.99, ScalingType.REVERSE_LOGARITHMIC)],
        },
    ),
    ("HPO-RANGE-011", lambda s: {"parameter_ranges": [ETA, CategoricalRange("booster", ["dart"])]}),
    (
        "HPO-RANGE-012",
        lambda s: {**custom_image_job(s), "parameter_ranges": [ETA, CategoricalRange("c", ["x", 1, 0.5, True])]},
    ),
    ("HPO-RANGE-013", lambda s: {**custom_image_job(s), "parameter_ranges": [CategoricalRange("c", list(range(30)))]}),
    ("HPO-RANGE-014", lambda s: {**custom_image_job(s), "parameter_ranges": [ETA, CategoricalRange("c", [1, 2, "3"])]}),
    ("HPO-RANGE-015", lambda s: {**custom_image_job(s), "parameter_ranges": [ETA, CategoricalRange("c", ["v" * 256])]}),
] + cases_of(request_cases.PASSING, __name__)

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
