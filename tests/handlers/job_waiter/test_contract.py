"""Tests of ``job_waiter.contract``: the function's inputs and attribute names agree with the constructs that
invoke it (the long wait's rule input and the ``TuningJob`` resource).
"""

from __future__ import annotations

from typing import Any

from tests.handlers.job_waiter.support import contract, handle_url, rule_input, sample_event


def test_the_rule_input_carries_the_handle_url_and_the_event_detail(server: str, transformer: dict[str, Any]) -> None:
    url = handle_url(server)
    payload = rule_input(transformer, sample_event("Completed"), url)
    assert payload == {"HandleUrl": url, "Detail": sample_event("Completed")["detail"]}


def test_the_attribute_names_agree_with_the_tuning_job_resource() -> None:
    from sagemaker_hpo._contract import contract as job_contract

    for name in (
        "BEST_TRAINING_JOB_NAME",
        "BEST_OBJECTIVE_VALUE",
        "BEST_HYPERPARAMETERS",
        "BEST_HYPERPARAMETER_PREFIX",
    ):
        assert getattr(contract, f"ATTR_{name}") == getattr(job_contract, f"ATTR_{name}")
