"""Tests of ``tuning_job.properties``: CloudFormation's strings back to the API's types, and job names.

Every stubbed call carries ``expected_params``, and the client validates every request against botocore's SageMaker
model before the Stubber answers, so a request with a wrong key or type fails the test.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator, validate_parameters

from tests.handler_support import (
    LOGICAL_ID,
    PREFIX,
    STACK_ID,
    SageMakerScript,
    assert_same_types,
    cfn_strings,
    event,
    generated,
    handler_module,
    owner_tags,
    properties,
    xgboost_request,
)

PROPERTIES = handler_module("properties")


def test_coerced_xgboost_request_has_the_api_types(handler: ModuleType, sm: SageMakerScript) -> None:
    raw = cfn_strings(xgboost_request())
    assert raw["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] == "1"

    typed = PROPERTIES.resolve_request(raw)

    assert_same_types(xgboost_request(), typed)
    config = typed["HyperParameterTuningJobConfig"]
    assert config["StrategyConfig"]["HyperbandStrategyConfig"] == {"MinResource": 10, "MaxResource": 100}
    assert type(config["ResourceLimits"]["MaxNumberOfTrainingJobs"]) is int
    assert type(config["TuningJobCompletionCriteria"]["TargetObjectiveMetricValue"]) is float
    assert config["ParameterRanges"]["ContinuousParameterRanges"][0]["MaxValue"] == "1"  # ranges are strings in the API
    definition = typed["TrainingJobDefinition"]
    assert definition["ResourceConfig"]["InstanceCount"] == 1
    assert definition["EnableNetworkIsolation"] is False
    assert definition["EnableManagedSpotTraining"] is True
    full = {"HyperParameterTuningJobName": "hpo-demo-0123456789abcdef", **typed}
    shape = sm.client.meta.service_model.operation_model("CreateHyperParameterTuningJob").input_shape
    report = ParamValidator().validate(full, shape)
    assert not report.has_errors(), report.generate_report()
    validate_parameters(full, shape)


def test_uncoerced_strings_fail_botocore_validation(sm: SageMakerScript) -> None:
    """The check above can fail: the raw CloudFormation strings are rejected by the same validator."""
    shape = sm.client.meta.service_model.operation_model("CreateHyperParameterTuningJob").input_shape
    with pytest.raises(ParamValidationError, match="MaxNumberOfTrainingJobs"):
        validate_parameters({"HyperParameterTuningJobName": "x", **cfn_strings(xgboost_request())}, shape)


def test_create_sends_typed_request(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sent: list[dict[str, Any]] = []
    sm.client.meta.events.register(
        "before-parameter-build.sagemaker.CreateHyperParameterTuningJob", lambda params, **_: sent.append(params)
    )
    sm.create(name)
    sm.describe(name, "InProgress")

    handler.on_event(event("Create"))

    request = dict(sent[0])
    tags = request.pop("Tags")
    user_tags = [tag for tag in tags if not tag["Key"].startswith("sagemaker-hpo:")]
    assert_same_types({"HyperParameterTuningJobName": name, **xgboost_request()}, {**request, "Tags": user_tags})
    handler_tags = {tag["Key"]: tag["Value"] for tag in tags if tag["Key"].startswith("sagemaker-hpo:")}
    assert handler_tags == {
        **owner_tags(xgboost_request()),
        "sagemaker-hpo:cfn-request-id": handler_tags.get("sagemaker-hpo:cfn-request-id"),
    }
    sm.assert_done(owned={name})


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("HyperParameterTuningJobConfig.ResourceLimits.MaxJobs", "3", r"ResourceLimits\.MaxJobs: unknown key"),
        ("HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs", "five", "expected an integer"),
        ("TrainingJobDefinition.EnableNetworkIsolation", "yes", "expected true or false"),
        ("HyperParameterTuningJobConfig.TuningJobCompletionCriteria.TargetObjectiveMetricValue", "high", "number"),
        ("TrainingJobDefinition.InputDataConfig", "train", "expected a list"),
        ("HyperParameterTuningJobName", "other", "set the TuningJobName property"),
        ("Colour", "blue", r"Request\.Colour: unknown key"),
    ],
    ids=["unknown-nested-key", "bad-integer", "bad-boolean", "bad-float", "bad-list", "name-in-request", "unknown-top"],
)
def test_bad_request_is_a_clear_error_and_calls_nothing(
    handler: ModuleType, sm: SageMakerScript, path: str, value: str, message: str
) -> None:
    props = properties(xgboost_request(**{path: value}))
    with pytest.raises(handler.PropertyError, match=message):
        handler.on_event(event("Create", props))
    sm.assert_done()


def test_missing_required_member_is_reported_before_any_call(handler: ModuleType, sm: SageMakerScript) -> None:
    request = xgboost_request()
    del request["TrainingJobDefinition"]["RoleArn"]
    with pytest.raises(handler.PropertyError, match="Missing required parameter.*RoleArn"):
        handler.on_event(event("Create", properties(request)))
    sm.assert_done()


def test_integral_float_strings_are_accepted_for_integers(handler: ModuleType, sm: SageMakerScript) -> None:
    request = cfn_strings(xgboost_request())
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] = "2.0E1"
    typed = PROPERTIES.resolve_request(request)
    assert typed["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 20
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] = "20.5"
    with pytest.raises(handler.PropertyError, match="MaxNumberOfTrainingJobs: expected an integer"):
        PROPERTIES.resolve_request(request)


def test_generated_name_format(handler: ModuleType) -> None:
    name = generated(handler)
    assert re.fullmatch(r"hpo-demo-[0-9a-f]{23}", name), name
    assert len(name) == 32 and name == name.lower()
    assert generated(handler) == name  # deterministic
    assert PROPERTIES.generated_job_name("HPO-Demo", STACK_ID, LOGICAL_ID, xgboost_request()) == name
    changed = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 21})
    assert generated(handler, changed) != name
    assert generated(handler, logical_id="OtherJob") != name
    assert (
        PROPERTIES.generated_job_name(PREFIX, STACK_ID.replace("5b1c", "6c2d"), LOGICAL_ID, xgboost_request()) != name
    )
    longest = PROPERTIES.generated_job_name("p" * 15, STACK_ID, LOGICAL_ID, xgboost_request())
    assert len(longest) == 32 and re.fullmatch(r"p{15}-[0-9a-f]{16}", longest)
    short = PROPERTIES.generated_job_name("a", STACK_ID, LOGICAL_ID, xgboost_request())
    assert len(short) == 32


@pytest.mark.parametrize(
    "prefix", ["p" * 16, "-bad", "bad_prefix", ""], ids=["too-long", "hyphen", "underscore", "empty"]
)
def test_invalid_prefix_is_rejected(handler: ModuleType, sm: SageMakerScript, prefix: str) -> None:
    with pytest.raises(handler.PropertyError, match="NamePrefix"):
        handler.on_event(event("Create", properties(prefix=prefix)))
    sm.assert_done()


def test_invalid_fixed_name_is_rejected(handler: ModuleType, sm: SageMakerScript) -> None:
    with pytest.raises(handler.PropertyError, match="TuningJobName 'bad_name' is invalid"):
        handler.on_event(event("Create", properties(name="bad_name")))
    sm.assert_done()
