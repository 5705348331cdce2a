"""One instance config renders ``HyperParameterTuningResourceConfig``'s single form, several its ``InstanceConfigs``;
the guardrails, the dry run and the instance-hour limits read the instance types of both forms (and of
``ResourceConfig``) through ``sagemaker_hpo.instance_choices``."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_hpo import Guardrails, InstanceConfig, ValidationError
from sagemaker_hpo.dryrun.checks import budget
from sagemaker_hpo.dryrun.job import job_spec_from_request
from sagemaker_hpo.instance_choices import instance_choices
from tests.construct_support import job, new_stack, training
from tests.request_support import assert_valid_request

SINGLE = InstanceConfig("ml.g5.2xlarge", count=2, volume_size=cdk.Size.gibibytes(40))
FALLBACK = (InstanceConfig("ml.m5.xlarge"), InstanceConfig("ml.g5.xlarge", count=3))


@pytest.fixture(scope="module")
def requests() -> dict[str, dict[str, Any]]:
    """The rendered requests of three jobs: one instance type, one instance config, two instance configs."""
    stack = new_stack("Instances")
    jobs = {
        "type": job(stack, "Type", training=training(instance_type="ml.m5.xlarge")),
        "single": job(stack, "Single", training=training(instance_type=None, instance_configs=[SINGLE])),
        "fallback": job(stack, "Fallback", training=training(instance_type=None, instance_configs=list(FALLBACK))),
    }
    return {name: stack.resolve(tuning.request) for name, tuning in jobs.items()}


def test_each_form_renders_as_the_api_documents_it_and_passes_botocores_validation(
    requests: dict[str, dict[str, Any]],
) -> None:
    single = requests["single"]["TrainingJobDefinition"]
    assert single["HyperParameterTuningResourceConfig"] == {
        "InstanceType": "ml.g5.2xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 40,
    }
    assert "ResourceConfig" not in single
    fallback = requests["fallback"]["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]
    assert set(fallback) == {"AllocationStrategy", "InstanceConfigs"}
    for request in requests.values():
        assert_valid_request(request)


def test_instance_choices_lists_every_form_first_choice_first(requests: dict[str, dict[str, Any]]) -> None:
    def types(name: str) -> list[str]:
        return [c["InstanceType"] for c in instance_choices(requests[name]["TrainingJobDefinition"])]

    assert types("type") == ["ml.m5.xlarge"]
    assert types("single") == ["ml.g5.2xlarge"]
    assert types("fallback") == ["ml.m5.xlarge", "ml.g5.xlarge"]
    assert instance_choices({}) == []


@pytest.mark.parametrize(("name", "forbidden"), [("single", "ml.g5.2xlarge"), ("fallback", "ml.g5.xlarge")])
def test_the_guardrails_check_the_instance_type_of_each_form(
    requests: dict[str, dict[str, Any]], name: str, forbidden: str
) -> None:
    with pytest.raises(ValidationError, match=rf"training.instance_type: '{forbidden}'.*\[HPO-GUARD-001\]"):
        Guardrails(instance_types=["ml.m5.*"]).check("S/J", requests[name])
    Guardrails(instance_types=["ml.m5.*", "ml.g5.*"]).check("S/J", requests[name])


@pytest.mark.parametrize(("name", "count"), [("single", 2), ("fallback", 3)])
def test_the_guardrails_check_the_instance_count_and_hours_of_each_form(
    requests: dict[str, dict[str, Any]], name: str, count: int
) -> None:
    with pytest.raises(ValidationError, match=rf"training.instance_count: {count}; .*\[HPO-GUARD-002\]"):
        Guardrails(max_instances_per_job=1).check("S/J", requests[name])
    # max_jobs 20 (construct_support's job) x count x 1 day, in hours
    hours = 20 * count * 24
    with pytest.raises(ValidationError, match=rf"{hours:g} instance-hours.*\[HPO-GUARD-005\]"):
        Guardrails(max_instance_hours=hours - 1).check("S/J", requests[name])
    Guardrails(max_instances_per_job=count, max_instance_hours=hours).check("S/J", requests[name])


def test_the_dry_run_reads_the_first_choice_of_each_form(requests: dict[str, dict[str, Any]]) -> None:
    single = job_spec_from_request("S/J", requests["single"])
    assert (single.instance_type, single.instance_count) == ("ml.g5.2xlarge", 2)
    fallback = job_spec_from_request("S/J", requests["fallback"])
    assert (fallback.instance_type, fallback.instance_count) == ("ml.m5.xlarge", 1)
    assert budget(single)["instance_type"] == "ml.g5.2xlarge"
