"""Request overrides (``TuningJob.add_request_override``) and the request model they are checked against."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sagemaker_hpo import TuningJob
from sagemaker_hpo.rules import request_model
from sagemaker_hpo.tuning_job import OVERRIDES_METADATA_KEY
from tests.construct_support import job, new_stack
from tests.request_support import ROOT_DIR, assert_valid_request

PENDING = "TrainingJobDefinition.StoppingCondition.MaxPendingTimeInSeconds"
GROUP_NAMES = "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.InstanceGroupNames"


@pytest.fixture(scope="module")
def overridden() -> tuple[cdk.Stack, TuningJob, dict[str, Any]]:
    stack = new_stack("Overrides")
    tuning = job(stack, "Tuning", request_overrides={PENDING: 7200})
    tuning.add_request_override(GROUP_NAMES, ["main"])
    return stack, tuning, Template.from_stack(stack).to_json()


def _resource(template: dict[str, Any]) -> dict[str, Any]:
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::SageMakerHyperParameterTuningJob"]
    return resource


def test_an_override_reaches_the_request_and_the_template(overridden: tuple[cdk.Stack, TuningJob, Any]) -> None:
    _, tuning, template = overridden
    request = _resource(template)["Properties"]["Request"]
    assert request["TrainingJobDefinition"]["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 86400,
        "MaxPendingTimeInSeconds": 7200,
    }
    channel = request["TrainingJobDefinition"]["InputDataConfig"][0]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["InstanceGroupNames"] == ["main"]
    assert tuning.request["TrainingJobDefinition"]["StoppingCondition"]["MaxPendingTimeInSeconds"] == 7200
    assert tuning.request_overrides == {PENDING: 7200, GROUP_NAMES: ["main"]}


def test_overrides_are_listed_for_reviewers(overridden: tuple[cdk.Stack, TuningJob, Any]) -> None:
    stack, _, template = overridden
    assert _resource(template)["Metadata"][OVERRIDES_METADATA_KEY] == {PENDING: 7200, GROUP_NAMES: ["main"]}
    infos = Annotations.from_stack(stack).find_info("*", Match.string_like_regexp("request override"))
    assert {PENDING, GROUP_NAMES} <= {p for i in infos for p in (PENDING, GROUP_NAMES) if p in str(i.entry.data)}


def test_the_overridden_request_passes_botocores_validation(overridden: tuple[cdk.Stack, TuningJob, Any]) -> None:
    assert_valid_request(_resource(overridden[2])["Properties"]["Request"])


def test_a_job_without_overrides_has_no_override_metadata() -> None:
    stack = new_stack("NoOverrides")
    job(stack)
    assert "Metadata" not in _resource(Template.from_stack(stack).to_json())


def test_the_shipped_request_model_matches_the_installed_botocore() -> None:
    shipped = (ROOT_DIR / "constructs" / "sagemaker_hpo" / request_model.DATA_FILE).read_text(encoding="utf-8")
    assert shipped == request_model.render(request_model.generate()), (
        "tuning-request-model.json differs from the installed botocore: run `make rules-data` and review the diff"
    )


def test_the_request_model_walks_every_member_path() -> None:
    paths = list(request_model.member_paths())
    assert len(paths) == 266
    folded_leaves = [p for p in paths if p.leaf and not p.path.startswith("TrainingJobDefinitions")]
    assert len(folded_leaves) == 111
    assert request_model.parse_path("A.B[0][1].C") == ["A", "B", 0, 1, "C"]
