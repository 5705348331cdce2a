"""Tests of ``job_waiter.contract``: the attribute names agree with the ``TuningJob`` resource's."""

from __future__ import annotations

from tests.handlers.job_waiter.support import contract


def test_the_attribute_names_agree_with_the_tuning_job_resource() -> None:
    from sagemaker_hpo._contract import contract as job_contract

    for name in (
        "BEST_TRAINING_JOB_NAME",
        "BEST_OBJECTIVE_VALUE",
        "BEST_HYPERPARAMETERS",
        "BEST_HYPERPARAMETER_PREFIX",
    ):
        assert getattr(contract, f"ATTR_{name}") == getattr(job_contract, f"ATTR_{name}")
