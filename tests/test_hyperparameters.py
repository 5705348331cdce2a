"""``sagemaker_hpo.hyperparameters``: how static hyperparameter values are sent (every value a string)."""

from __future__ import annotations

from sagemaker_hpo import Json
from tests.construct_support import job, new_stack
from tests.rules.builders import custom_image_job


def test_json_hyperparameters_are_sent_as_json_text() -> None:
    stack = new_stack("Json")
    tuning = job(
        stack, **custom_image_job(stack, static_hyperparameters={"net": Json({"units": [64, 32]}), "on": True})
    )
    static = tuning.request["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["net"] == '{"units":[64,32]}'
    assert static["on"] == "true"
