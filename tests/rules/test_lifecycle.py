"""The rules of ``sagemaker_hpo.rules.lifecycle`` (HPO-EVENT, HPO-NAME): their cases, keyed by rule id, each run as a
tuning job at synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from tests.rules.builders import claimed_name, custom_image_job
from tests.rules.cases import Overrides, accepts, rejects

FAILING: list[tuple[str, Overrides, str]] = [
    (
        "HPO-NAME-010",
        lambda s: {"tuning_job_name": claimed_name(s, "Shared-Name", "shared-name")},
        r"invalid tuning_job_name: 'shared-name'; Rules/First already uses the tuning_job_name 'Shared-Name'",
    ),
    (
        "HPO-EVENT-010",
        lambda s: custom_image_job(s, static_hyperparameters={f"v{i:02d}": "x" * 2500 for i in range(52)}),
        r"invalid request size: '1[0-9]{5} bytes of properties'.*at most 262144 bytes",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-NAME-010", lambda s: {"tuning_job_name": claimed_name(s, "first-name", "second-name")}),
    (
        "HPO-EVENT-010",
        lambda s: custom_image_job(s, static_hyperparameters={f"v{i:02d}": "x" * 2500 for i in range(40)}),
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
