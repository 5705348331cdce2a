"""Unit tests of the tuning-job handler against a stubbed boto3 SageMaker client (botocore Stubber).

Every stubbed call carries ``expected_params``, and the client validates every request against botocore's SageMaker
model before the Stubber answers, so a request with a wrong key or type fails the test.
"""

from __future__ import annotations

import glob
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ParamValidationError, ReadTimeoutError
from botocore.validate import ParamValidator, validate_parameters

from tests.handler_support import (
    CREATE_FAILED_MARKER,
    LOADER_CODE,
    LOGICAL_ID,
    NOW,
    PREFIX,
    ROOT,
    SECRET,
    STACK_ID,
    SageMakerScript,
    after_on_event,
    assert_same_types,
    best_training_job,
    cfn_strings,
    event,
    handler_module,
    job_arn,
    load_handler,
    owner_tags,
    properties,
    stubbed_handler,
    xgboost_request,
)

TUNED = {"alpha": "0.31", "eta": "0.2174", "max_depth": "6", "min_child_weight": "3.5"}
ROLE_ARN = "arn:aws:iam::123456789012:role/hpo-demo-sagemaker"
PASS_ROLE_DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/hpo-demo-handler/hpo-demo-onEvent is not authorized to perform: "
    f"iam:PassRole on resource: {ROLE_ARN} because no identity-based policy allows the iam:PassRole action"
)
COULD_NOT_ASSUME = (
    f"Could not assume role {ROLE_ARN}. Please ensure that the role exists and allows principal "
    "'sagemaker.amazonaws.com' to assume the role."
)

PROPERTIES = handler_module("properties")
RESULTS = handler_module("results")
SAGEMAKER = handler_module("sagemaker")
IAM = handler_module("iam_propagation")
RUNTIME = handler_module("runtime")
ORPHANS = handler_module("orphans")


@pytest.fixture
def handler() -> Iterator[ModuleType]:
    module = load_handler()
    yield module
    module.reset()


@pytest.fixture
def sm(handler: ModuleType) -> Iterator[SageMakerScript]:
    """A stubbed client injected into the handler, with a recorded sleep and a fixed clock."""
    with stubbed_handler(handler) as script:
        yield script


def cfn_result(result: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation gets of an onEvent result (the handler's state for is_complete left out)."""
    return {key: value for key, value in result.items() if key != "SageMakerHpoState"}


def started_job(result: dict[str, Any]) -> bool:
    """Whether the onEvent result says this event started the job."""
    return bool(result["SageMakerHpoState"]["startedJob"] == "true")


def generated(handler: ModuleType, request: dict[str, Any] | None = None, logical_id: str = LOGICAL_ID) -> str:
    return PROPERTIES.generated_job_name(PREFIX, STACK_ID, logical_id, request or xgboost_request())


# ---------------------------------------------------------------------------------------------------------------------
# Type coercion


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


# ---------------------------------------------------------------------------------------------------------------------
# Names


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


# ---------------------------------------------------------------------------------------------------------------------
# Create


def test_create_with_generated_name(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe(name, "InProgress")

    result = handler.on_event(event("Create"))

    assert cfn_result(result) == {
        "PhysicalResourceId": name,
        "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)},
    }
    sm.assert_done(owned={name})


def test_create_with_fixed_name(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.create("my-tuning-job")
    sm.describe("my-tuning-job", "InProgress")

    result = handler.on_event(event("Create", properties(name="my-tuning-job")))

    assert result["PhysicalResourceId"] == "my-tuning-job"
    assert result["Data"]["TuningJobArn"] == job_arn("my-tuning-job")
    sm.assert_done(owned={"my-tuning-job"})


def test_retried_create_adopts_the_existing_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe(name, "InProgress")
    sm.create_exists(name)
    sm.describe(name, "InProgress")
    sm.list_tags(name)

    first = handler.on_event(event("Create"))
    second = handler.on_event(event("Create"))

    assert cfn_result(first) == cfn_result(second)
    assert started_job(first) and not started_job(second)  # the second Create adopted the first one's job
    assert sm.created == [name]  # one job, not two
    sm.assert_done(owned={name})


def test_fixed_name_taken_by_a_different_job_is_not_adopted(handler: ModuleType, sm: SageMakerScript) -> None:
    other = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 50})
    sm.seed("shared-name", "InProgress", other)
    sm.create_exists("shared-name")
    sm.describe("shared-name", "InProgress")
    sm.list_tags("shared-name")

    with pytest.raises(handler.HandlerError, match="already exists with a different configuration"):
        handler.on_event(event("Create", properties(name="shared-name")))

    assert sm.stopped == []  # somebody else's job is left alone
    sm.assert_done(owned={"shared-name"})


def test_failed_create_stops_the_started_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_faults(name, [("ThrottlingException", 400)] * SAGEMAKER.CLIENT_MAX_ATTEMPTS)
    sm.stop(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert "DescribeHyperParameterTuningJob failed for tuning job" in message and name in message
    assert "was stopped" in message
    sm.assert_done()


def test_describe_not_found_right_after_create_is_retried(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_error(name, "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {name}")
    sm.describe(name, "InProgress")

    assert handler.on_event(event("Create"))["PhysicalResourceId"] == name
    sm.assert_done(owned={name})


def shrinking_context(seconds: float, sm: SageMakerScript) -> SimpleNamespace:
    """A Lambda context with ``seconds`` left, less every pause the handler has taken since (its injected sleep)."""
    return SimpleNamespace(get_remaining_time_in_millis=lambda: int((seconds - sum(sm.sleeps.delays)) * 1000))


#: Lambda time at which one call (at its slowest) just fits before the deadline's margin.
ONE_CALL = RUNTIME.DEADLINE_MARGIN_SECONDS + SAGEMAKER.CALL_WORST_CASE_SECONDS


def test_describe_lag_wait_is_bounded(handler: ModuleType, sm: SageMakerScript) -> None:
    """A created job that describe never sees: 1, 2, 4, 8, 8 s of pauses (at most 30 s), then it is stopped."""
    name = generated(handler)
    sm.create(name)
    sm.describe_lag(name, 6)
    sm.stop(name)

    with pytest.raises(handler.HandlerError, match="ResourceNotFound.*was stopped"):
        handler.on_event(event("Create"))

    assert sm.sleeps.delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert sum(sm.sleeps.delays) <= ORPHANS.VISIBILITY_WAIT_SECONDS == 30.0
    sm.assert_done()


def test_describe_lag_wait_stops_before_the_lambda_deadline(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_lag(name, 4)  # after pauses of 1, 2 and 4 s, an 8 s pause and one more call would pass the deadline
    sm.stop(name)

    with pytest.raises(handler.HandlerError, match="was stopped"):
        handler.on_event(event("Create"), shrinking_context(ONE_CALL + 8, sm))

    assert sm.sleeps.delays == [1.0, 2.0, 4.0]
    sm.assert_done()


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_an_event_without_time_to_confirm_starts_nothing(
    handler: ModuleType, sm: SageMakerScript, request_type: str
) -> None:
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    if request_type == "Create":
        evt, name = event("Create"), generated(handler)
    else:
        evt = event("Update", properties(new_request), old=properties(), physical_id=generated(handler))
        name = generated(handler, new_request)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: int((ONE_CALL - 0.5) * 1000))

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(evt, context)

    message = str(raised.value)
    assert "Only 139.5 s of this invocation are left (after a 10 s margin)" in message
    assert "less than one SageMaker call may take (140 s with every retry)" in message
    assert f"Nothing was started; tuning job '{name}' was not created" in message
    assert sm.stubber.requests == []  # not one SageMaker request
    # With one call's worth of time, the same event goes ahead.
    sm.create(name, None if request_type == "Create" else new_request)
    sm.describe(name, "InProgress")
    evt = {**evt, "RequestId": "another-request"}
    at_the_limit = SimpleNamespace(get_remaining_time_in_millis=lambda: int(ONE_CALL * 1000))
    assert handler.on_event(evt, at_the_limit)["PhysicalResourceId"] == name
    sm.assert_done(owned={name})


@pytest.mark.parametrize("status", ["Stopping", "Stopped", "Failed"])
def test_create_never_adopts_a_job_that_will_not_run_again(
    handler: ModuleType, sm: SageMakerScript, status: str
) -> None:
    """The resource was removed (its Delete stopped the job) and added again with the same request."""
    name = generated(handler)
    sm.seed(name, status)
    sm.create_exists(name)
    sm.describe(name, status)
    sm.list_tags(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert f"Tuning job '{name}' for this configuration already exists from an earlier deployment" in message
    assert f"is no longer running (status {status})" in message and "it was not adopted" in message
    assert "change any property of the TuningJob (a tag, for example) so that the generated name changes" in message
    assert sm.created == [] and sm.stopped == []
    sm.assert_done()


def test_create_with_a_fixed_name_never_adopts_its_stopped_job(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("my-tuning-job", "Stopped")
    sm.create_exists("my-tuning-job")
    sm.describe("my-tuning-job", "Stopped")
    sm.list_tags("my-tuning-job")

    with pytest.raises(handler.HandlerError, match="To run this configuration again, set a new TuningJobName"):
        handler.on_event(event("Create", properties(name="my-tuning-job")))
    sm.assert_done()


def test_create_adopts_its_completed_job_with_a_warning(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.create_exists(name)
    sm.describe(name, "Completed")
    sm.list_tags(name)

    with caplog.at_level(logging.WARNING, logger="sagemaker_hpo.tuning_job"):
        result = handler.on_event(event("Create"))

    assert result["PhysicalResourceId"] == name and not started_job(result)
    assert "adopted a job that finished earlier" in caplog.text and '"status": "Completed"' in caplog.text
    sm.assert_done()


def test_rollback_ignores_old_properties_it_cannot_read(handler: ModuleType, sm: SageMakerScript) -> None:
    """The job of the failed Update is looked for only when the old properties give a name."""
    name = generated(handler)
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress")

    result = handler.on_event(
        event("Update", properties(), old={"Request": "not json", "NamePrefix": PREFIX}, physical_id=name)
    )

    assert result["PhysicalResourceId"] == name
    sm.assert_done(owned={name})


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", PASS_ROLE_DENIED),
        ("AccessDenied", PASS_ROLE_DENIED),
        (
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/hpo-demo-handler/x is not authorized to perform: "
            "sagemaker:CreateHyperParameterTuningJob on resource: arn:aws:sagemaker:us-east-1:123456789012:"
            "hyper-parameter-tuning-job/my-tuning-job",
        ),
        ("ValidationException", COULD_NOT_ASSUME),
        ("ValidationException", PASS_ROLE_DENIED),
    ],
    ids=["pass-role-denied", "access-denied-code", "job-arn-denied", "could-not-assume-role", "validation-pass-role"],
)
def test_create_denied_while_iam_propagates_is_retried(
    handler: ModuleType, sm: SageMakerScript, code: str, message: str
) -> None:
    name = generated(handler)
    sm.create_error(name, code, message)
    sm.create_error(name, code, message)
    sm.create(name)
    sm.describe(name, "InProgress")

    assert handler.on_event(event("Create"))["PhysicalResourceId"] == name

    delays = sm.sleeps.delays
    assert len(delays) == 2
    assert IAM.IAM_BASE_DELAY_SECONDS / 2 <= delays[0] <= IAM.IAM_BASE_DELAY_SECONDS
    assert sm.created == [name]
    sm.assert_done(owned={name})


def test_update_replacing_the_job_retries_a_denied_create(handler: ModuleType, sm: SageMakerScript) -> None:
    """A new training role usually comes with a changed request: the replacing create is retried the same way."""
    old_name = generated(handler)
    new_request = xgboost_request(**{"TrainingJobDefinition.RoleArn": ROLE_ARN + "-v2"})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.create_error(
        new_name, "AccessDeniedException", PASS_ROLE_DENIED.replace(ROLE_ARN, ROLE_ARN + "-v2"), new_request
    )
    sm.create(new_name, new_request)
    sm.describe(new_name, "InProgress")

    result = handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old_name))

    assert result["PhysicalResourceId"] == new_name
    assert len(sm.sleeps.delays) == 1
    sm.assert_done(owned={old_name, new_name})


def test_create_denied_for_good_fails_after_about_90_seconds_with_a_hint(
    handler: ModuleType, sm: SageMakerScript
) -> None:
    name = generated(handler)
    handler.set_jitter(lambda: 1.0)  # every delay at its ceiling: 2, 4, 8, 16, 16, 16, 16 (78 s), then 16 > 90 - 78
    for _ in range(8):
        sm.create_error(name, "AccessDeniedException", PASS_ROLE_DENIED)

    with pytest.raises(handler.SageMakerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert message.startswith(
        f"CreateHyperParameterTuningJob failed for tuning job '{name}': AccessDeniedException: {PASS_ROLE_DENIED}"
    )
    assert "gave up after 8 attempts" in message
    assert "IAM changes take a moment to propagate" in message and "retried for 78 s" in message
    assert "one the provider may pass (iam:PassRole)" in message
    assert raised.value.code == "AccessDeniedException"
    assert sm.sleeps.delays == [2.0, 4.0, 8.0, 16.0, 16.0, 16.0, 16.0]
    assert sum(sm.sleeps.delays) <= IAM.IAM_PROPAGATION_WAIT_SECONDS
    assert sm.created == []
    sm.assert_done()


def test_iam_retries_stop_before_the_lambda_deadline(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create_error(name, "ValidationException", COULD_NOT_ASSUME)
    seconds = RUNTIME.DEADLINE_MARGIN_SECONDS + SAGEMAKER.CALL_WORST_CASE_SECONDS
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: int(seconds * 1000))

    with pytest.raises(handler.SageMakerError, match="Could not assume role.*IAM changes take a moment"):
        handler.on_event(event("Create"), context)

    assert sm.sleeps.delays == []
    sm.assert_done()


@pytest.mark.parametrize(
    "message",
    [
        "MaxResource must be less than or equal to 20000",
        "MaxResource parameter is not provided and could not be inferred",
        "The role arn:aws:iam::123456789012:role/x does not have sufficient permissions",  # not a propagation hint
    ],
    ids=["range", "could-not-be-inferred", "other-role-message"],
)
def test_other_validation_errors_of_create_are_not_retried(
    handler: ModuleType, sm: SageMakerScript, message: str
) -> None:
    name = generated(handler)
    sm.create_error(name, "ValidationException", message)
    with pytest.raises(handler.SageMakerError, match="ValidationException"):
        handler.on_event(event("Create"))
    assert sm.sleeps.delays == []
    sm.assert_done()


# ---------------------------------------------------------------------------------------------------------------------
# Update


def test_update_with_changed_request_replaces_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.create(new_name, new_request)
    sm.describe(new_name, "InProgress")

    result = handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old_name))

    assert result["PhysicalResourceId"] == new_name != old_name
    # The old job keeps running until CloudFormation sends Delete for the old id (cleanup phase).
    sm.assert_done(owned={old_name, new_name})


def test_update_changing_only_wait_keeps_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED))
    sm.describe(name, "Completed", best=best_training_job(TUNED))  # is_complete reads the finished job once
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)

    result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert result["PhysicalResourceId"] == name
    assert result["Data"]["BestHyperparameters"] == json.dumps(TUNED, sort_keys=True, separators=(",", ":"))
    assert done["IsComplete"] is True and done["Data"] == result["Data"]
    assert sm.created == []
    sm.assert_done()


def test_update_turning_on_wait_waits_for_the_running_job(handler: ModuleType, sm: SageMakerScript) -> None:
    """WaitForCompletion false -> true on a job still InProgress: the deployment waits for it (GetAtt needs it)."""
    name = generated(handler)
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=600))
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)

    result = handler.on_event(evt)
    waiting = after_on_event(evt, result)
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=600))
    first = handler.is_complete(waiting)
    sm.describe(name, "Completed", best=best_training_job(TUNED, name="hpo-demo-017"))
    second = handler.is_complete(waiting)

    assert cfn_result(result) == {
        "PhysicalResourceId": name,
        "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)},
    }
    assert first == {"IsComplete": False}
    assert second["IsComplete"] is True
    assert second["Data"]["BestTrainingJobName"] == "hpo-demo-017"
    assert json.loads(second["Data"]["BestHyperparameters"]) == TUNED
    assert sm.created == [] and sm.stopped == []
    sm.assert_done()


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_update_turning_on_wait_for_a_job_that_did_not_complete_fails(
    handler: ModuleType, sm: SageMakerScript, status: str
) -> None:
    name = generated(handler)
    sm.seed(name, status)
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded")
    result = handler.on_event(evt)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded")

    with pytest.raises(handler.HandlerError, match=f"ended with status {status}: ClientError"):
        handler.is_complete(after_on_event(evt, result))
    sm.assert_done()


def test_update_of_a_job_already_waited_for_does_not_wait_again(handler: ModuleType, sm: SageMakerScript) -> None:
    """Old and new properties both wait (only WaitTimeoutSeconds changed): is_complete makes no call."""
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED))
    evt = event(
        "Update", properties(wait=True, timeout=1800), old=properties(wait=True, timeout=3300), physical_id=name
    )

    result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert done == {"IsComplete": True, "Data": result["Data"]}
    assert json.loads(done["Data"]["BestHyperparameters"]) == TUNED
    sm.assert_done()


def test_update_with_fixed_name_and_changed_request_is_refused(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("my-tuning-job", "InProgress")
    sm.describe("my-tuning-job", "InProgress")
    sm.list_tags("my-tuning-job")
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    evt = event(
        "Update",
        properties(new_request, name="my-tuning-job"),
        old=properties(name="my-tuning-job"),
        physical_id="my-tuning-job",
    )

    with pytest.raises(handler.PropertyError) as raised:
        handler.on_event(evt)

    message = str(raised.value)
    assert "immutable" in message and "'my-tuning-job'" in message
    assert "Change tuning_job_name" in message and "remove it" in message
    assert sm.created == [] and sm.stopped == []
    sm.assert_done(owned={"my-tuning-job"})


def test_rollback_update_adopts_the_old_job_and_delete_stops_the_new_one(
    handler: ModuleType, sm: SageMakerScript
) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.seed(new_name, "InProgress", new_request)
    # Rollback: CloudFormation sends the OLD properties with the NEW physical id.
    sm.create_exists(old_name)
    sm.describe(old_name, "InProgress")
    sm.list_tags(old_name)
    sm.describe(new_name, "InProgress")
    sm.list_tags(new_name)
    sm.stop(new_name)

    rollback = handler.on_event(event("Update", properties(), old=properties(new_request), physical_id=new_name))
    handler.on_event(event("Delete", properties(new_request), physical_id=new_name))

    assert rollback["PhysicalResourceId"] == old_name
    assert sm.created == [] and sm.stopped == [new_name]
    sm.assert_done(owned={old_name})


@pytest.mark.parametrize("status", ["InProgress", "Completed"])
def test_rollback_with_wait_adopts_the_old_job_as_before(
    handler: ModuleType, sm: SageMakerScript, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, status)
    sm.seed(new_name, "Failed", new_request)
    sm.create_exists(old_name)
    sm.describe(old_name, status)
    sm.list_tags(old_name)

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        rollback = handler.on_event(
            event("Update", properties(wait=True), old=properties(new_request, wait=True), physical_id=new_name)
        )

    assert not started_job(rollback)
    assert cfn_result(rollback) == {
        "PhysicalResourceId": old_name,
        "Data": {"TuningJobName": old_name, "TuningJobArn": job_arn(old_name)},
    }
    assert "stopped earlier" not in caplog.text
    sm.assert_done(owned={old_name})


def revert_event(handler: ModuleType, *, wait: bool, name: str | None = None) -> tuple[dict[str, Any], str, str]:
    """A -> B -> A: the Update back to A (whose job the cleanup of A -> B stopped), from B's physical id."""
    b_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    a_name = name or generated(handler)
    b_name = (name + "-b") if name else generated(handler, b_request)
    evt = event(
        "Update",
        properties(wait=wait, name=name),
        old=properties(b_request, wait=wait, name=b_name if name else None),
        physical_id=b_name,
    )
    return evt, a_name, b_name


def test_revert_to_a_stopped_configuration_fails_when_waiting(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    evt, a_name, b_name = revert_event(handler, wait=True)
    sm.seed(a_name, "Stopped")
    sm.seed(b_name, "InProgress")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with (
        caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"),
        pytest.raises(handler.HandlerError) as raised,
    ):
        handler.on_event(evt)

    message = str(raised.value)
    assert f"Tuning job '{a_name}' for this configuration already exists and was stopped earlier" in message
    assert "cannot wait for it to complete" in message
    assert "change any property of the TuningJob (a tag, for example) so that the generated name changes" in message
    assert "tuning_job_name" in message
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "stopped earlier" in r.getMessage()]
    assert len(warnings) == 1
    assert sm.created == [] and sm.stopped == []
    sm.assert_done(owned={b_name})


def test_revert_to_a_stopped_configuration_with_a_fixed_name(handler: ModuleType, sm: SageMakerScript) -> None:
    evt, a_name, b_name = revert_event(handler, wait=True, name="my-tuning-job")
    sm.seed(a_name, "Stopped")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with pytest.raises(handler.HandlerError, match="To run this configuration again, set a new TuningJobName"):
        handler.on_event(evt)
    sm.assert_done()


def test_revert_to_a_stopped_configuration_without_waiting_adopts_it(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    evt, a_name, b_name = revert_event(handler, wait=False)
    sm.seed(a_name, "Stopped")
    sm.seed(b_name, "InProgress")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert cfn_result(result) == {
        "PhysicalResourceId": a_name,
        "Data": {"TuningJobName": a_name, "TuningJobArn": job_arn(a_name)},
    }
    assert done == {"IsComplete": True, "Data": result["Data"]}
    warnings = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.levelno == logging.WARNING and "stopped earlier" in r.getMessage()
    ]
    assert warnings and warnings[0]["job"] == a_name and warnings[0]["status"] == "Stopped"
    assert sm.created == []
    sm.assert_done(owned={b_name})


# ---------------------------------------------------------------------------------------------------------------------
# Delete


def test_delete_stops_a_running_job(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.stop("hpo-demo-1")

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


@pytest.mark.parametrize("status", ["Stopping", "Completed", "Failed", "Stopped", "Deleting"])
def test_delete_of_a_finished_job_calls_no_stop(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    sm.seed("hpo-demo-1", status)
    sm.describe("hpo-demo-1", status)

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    assert sm.stopped == []
    sm.assert_done()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ResourceNotFound", "Amazon SageMaker can't find a tuning job with name hpo-demo-1"),
        ("ValidationException", "Requested resource hpo-demo-1 does not exist"),
    ],
    ids=["resource-not-found", "validation-does-not-exist"],
)
def test_delete_of_a_missing_job_succeeds(handler: ModuleType, sm: SageMakerScript, code: str, message: str) -> None:
    sm.describe_error("hpo-demo-1", code, message)
    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


@pytest.mark.parametrize(
    "physical_id",
    [CREATE_FAILED_MARKER, "3f1e9a5c-2b7d-4c1e-9f0a-6d5b4c3a2f10-extra", "", "x" * 33],
    ids=["framework-marker", "request-id", "empty", "too-long"],
)
def test_delete_with_a_non_job_physical_id_does_nothing(
    handler: ModuleType, sm: SageMakerScript, physical_id: str
) -> None:
    assert handler.on_event(event("Delete", physical_id=physical_id)) == {"PhysicalResourceId": physical_id}
    sm.assert_done()


def test_create_failed_marker_is_the_provider_frameworks_own() -> None:
    """The marker the tests use is the one the installed aws-cdk-lib's Provider framework really sends."""
    pattern = "*/*/custom-resources/lib/provider-framework/runtime/cfn-response.js"
    sources = sorted(glob.glob(str(ROOT / ".cache" / "jsii" / "aws-cdk-lib" / pattern)))
    if not sources:
        pytest.skip("aws-cdk-lib's JavaScript is not in .cache/jsii (run a synth first)")
    text = Path(sources[-1]).read_text()
    found = re.search(r'CREATE_FAILED_PHYSICAL_ID_MARKER\s*=\s*"([^"]+)"', text)
    assert found, "CREATE_FAILED_PHYSICAL_ID_MARKER not found in the Provider framework's runtime"
    assert CREATE_FAILED_MARKER == found.group(1)


def test_delete_when_the_job_finishes_before_stop(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.finish("hpo-demo-1", "Completed")
    sm.stop_error("hpo-demo-1", "ValidationException", "The request was rejected because the job is not in progress.")

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


def test_delete_with_permanent_describe_error_fails(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.describe_error(
        "hpo-demo-1", "AccessDeniedException", "not authorized to perform DescribeHyperParameterTuningJob"
    )
    with pytest.raises(
        handler.SageMakerError, match="DescribeHyperParameterTuningJob failed for tuning job 'hpo-demo-1'"
    ):
        handler.on_event(event("Delete", physical_id="hpo-demo-1"))
    assert sm.sleeps.delays == []
    sm.assert_done()


# ---------------------------------------------------------------------------------------------------------------------
# Waiting (is_complete)


def created_event(handler: ModuleType, *, wait: bool = True, timeout: int | None = None) -> dict[str, Any]:
    name = generated(handler)
    evt = event("Create", properties(wait=wait, timeout=timeout))
    return after_on_event(
        evt, {"PhysicalResourceId": name, "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)}}
    )


def test_not_waiting_is_complete_at_once(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, wait=False)
    assert handler.is_complete(evt) == {"IsComplete": True, "Data": evt["Data"]}
    assert handler.is_complete(event("Delete", physical_id="hpo-demo-1")) == {"IsComplete": True}
    sm.assert_done()


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_wait_in_progress(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    evt = created_event(handler)
    sm.seed(evt["PhysicalResourceId"], status)
    sm.describe(evt["PhysicalResourceId"], status, created=NOW - timedelta(seconds=600))

    assert handler.is_complete(evt) == {"IsComplete": False}  # no Data: the framework rejects it when incomplete
    sm.assert_done(owned={evt["PhysicalResourceId"]})


def test_wait_completed_returns_the_best_training_job(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED, value=0.9731, name="hpo-demo-017"))

    result = handler.is_complete(evt)

    assert result["IsComplete"] is True
    data = result["Data"]
    assert data["TuningJobName"] == name and data["TuningJobArn"] == job_arn(name)
    assert data["BestTrainingJobName"] == "hpo-demo-017"
    assert data["BestObjectiveValue"] == "0.9731"
    assert json.loads(data["BestHyperparameters"]) == TUNED
    assert " " not in data["BestHyperparameters"]
    for key, value in TUNED.items():
        assert data[f"BestHyperparameter.{key}"] == value
    assert all(isinstance(value, str) for value in data.values())
    sm.assert_done()


def test_wait_completed_prefers_the_overall_best_training_job(handler: ModuleType, sm: SageMakerScript) -> None:
    """A warm start of type IdenticalDataAndAlgorithm reports the best across parents and child as the overall best."""
    parent = "hpo-demo-parent"
    request = xgboost_request(
        WarmStartConfig={
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": parent}],
            "WarmStartType": "IdenticalDataAndAlgorithm",
        }
    )
    name = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, request)
    evt = event("Create", properties(request, wait=True))
    sm.create(name, request)
    sm.describe(name, "InProgress")
    result = handler.on_event(evt)
    own = best_training_job({"eta": "0.4"}, value=0.91, name="hpo-demo-child-003")
    overall = best_training_job({"eta": "0.25", "max_depth": "7"}, value=0.97, name="hpo-demo-parent-011")
    sm.describe(name, "Completed", best=own, overall_best=overall)

    data = handler.is_complete(after_on_event(evt, result))["Data"]

    assert data["BestTrainingJobName"] == "hpo-demo-parent-011"
    assert data["BestObjectiveValue"] == "0.97"
    assert json.loads(data["BestHyperparameters"]) == {"eta": "0.25", "max_depth": "7"}
    assert data["BestHyperparameter.max_depth"] == "7"
    sm.assert_done()


def test_result_data_uses_the_best_training_job_without_an_overall_best(handler: ModuleType) -> None:
    description = {
        "HyperParameterTuningJobName": "hpo-demo-1",
        "HyperParameterTuningJobArn": job_arn("hpo-demo-1"),
        "BestTrainingJob": best_training_job({"eta": "0.4"}, value=0.91, name="own"),
    }
    assert RESULTS.result_data(description)["BestTrainingJobName"] == "own"
    overall = best_training_job({"eta": "0.3"}, value=0.95, name="overall")
    data = RESULTS.result_data({**description, "OverallBestTrainingJob": overall})
    assert data["BestTrainingJobName"] == "overall" and data["BestObjectiveValue"] == "0.95"
    assert data["BestHyperparameter.eta"] == "0.3"


def test_wait_completed_data_stays_under_the_response_limit(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    tuned = {f"hyperparameter_{index:02d}_" + "n" * 200: "v" * 250 for index in range(30)}
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(tuned))

    data = handler.is_complete(evt)["Data"]

    size = len(json.dumps(data, separators=(",", ":")).encode())
    assert size <= RESULTS.DATA_BUDGET_BYTES < 4096
    assert not any(key.startswith("BestHyperparameter.") for key in data)
    assert data["BestHyperparameters"].endswith(RESULTS.TRUNCATION_MARKER)
    assert data["TuningJobName"] == name and data["BestObjectiveValue"] == "0.9731"
    sm.assert_done()


def test_result_data_drops_per_name_keys_before_truncating(handler: ModuleType) -> None:
    tuned = {f"p{index:02d}": "x" * 60 for index in range(30)}
    description = {
        "HyperParameterTuningJobName": "hpo-demo-1",
        "HyperParameterTuningJobArn": job_arn("hpo-demo-1"),
        "BestTrainingJob": best_training_job(tuned),
    }
    data = RESULTS.result_data(description)
    assert json.loads(data["BestHyperparameters"]) == tuned  # still complete, valid JSON
    assert not any(key.startswith("BestHyperparameter.") for key in data)
    assert len(RESULTS.result_data(description, budget=100_000)) == 5 + len(tuned)


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_wait_failed_or_stopped_raises_sagemakers_reason(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    sm.seed(name, status)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded: AlgorithmError")

    with pytest.raises(handler.HandlerError) as raised:
        handler.is_complete(evt)

    message = str(raised.value)
    assert f"Tuning job '{name}' ended with status {status}" in message
    assert "No training job succeeded: AlgorithmError" in message
    assert sm.stopped == []
    sm.assert_done()


def test_wait_timeout_stops_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=1800))
    sm.stop(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.is_complete(evt)

    message = str(raised.value)
    assert f"Tuning job '{name}' did not finish within the deployment's wait window" in message
    assert "WaitTimeoutSeconds=1800" in message and "was stopped" in message
    assert "shorter max_runtime" in message and "wait_for_completion=False" in message
    assert "wait_timeout" not in message  # the construct has no such option
    sm.assert_done()


def test_wait_timeout_of_a_stopping_job_calls_no_stop(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "Stopping")
    sm.describe(name, "Stopping", created=NOW - timedelta(seconds=1900))

    with pytest.raises(handler.HandlerError, match="wait window.*is already stopping. Give the TuningJob a shorter"):
        handler.is_complete(evt)
    assert sm.stopped == []
    sm.assert_done()


def test_wait_just_before_timeout_keeps_waiting(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=1799))
    assert handler.is_complete(evt) == {"IsComplete": False}
    sm.assert_done(owned={name})


def test_wait_timeout_is_capped_below_the_provider_ceiling(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=7200)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=handler.contract.MAX_WAIT_TIMEOUT_SECONDS))
    sm.stop(name)
    with pytest.raises(handler.HandlerError, match=f"WaitTimeoutSeconds={handler.contract.MAX_WAIT_TIMEOUT_SECONDS}"):
        handler.is_complete(evt)
    sm.assert_done()


# ---------------------------------------------------------------------------------------------------------------------
# Retries


def test_throttling_then_success(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create_faults(name, [("ThrottlingException", 400), ("Throttling", 400), ("TooManyRequestsException", 429)])
    sm.create(name)
    sm.describe(name, "InProgress")

    assert handler.on_event(event("Create"))["PhysicalResourceId"] == name

    # botocore's standard mode retried the create: four HTTP requests, full-jitter backoff of at most 1, 2, 4 s.
    assert sm.stubber.requests.count("CreateHyperParameterTuningJob") == 4
    delays = sm.backoff.delays
    assert len(delays) == 3
    for attempt, delay in enumerate(delays):
        assert 0 <= delay <= min(2**attempt, SAGEMAKER.BACKOFF_CAP_SECONDS)
    assert sm.sleeps.delays == []  # no retry of the handler's own on top
    sm.assert_done(owned={name})


@pytest.mark.parametrize(
    "errors",
    [
        [("InternalFailure", 500), ("ServiceUnavailable", 503)],
        [("BadGateway", 502)],
        [("InternalServerError", 500), ("InternalError", 500), ("ThrottledException", 400)],
    ],
    ids=["500-503", "unknown-code-502", "internal-codes"],
)
def test_transient_server_errors_are_retried(handler: ModuleType, sm: SageMakerScript, errors: list) -> None:
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe_faults("hpo-demo-1", errors)
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.stop("hpo-demo-1")

    handler.on_event(event("Delete", physical_id="hpo-demo-1"))

    assert len(sm.backoff.delays) == len(errors)
    sm.assert_done()


def test_connection_errors_are_retried(handler: ModuleType, sm: SageMakerScript) -> None:
    url = "https://api.sagemaker.us-east-1.amazonaws.com/"
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe_faults("hpo-demo-1", [EndpointConnectionError(endpoint_url=url), ReadTimeoutError(endpoint_url=url)])
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.stop_faults("hpo-demo-1", [ConnectTimeoutError(endpoint_url=url)])
    sm.stop("hpo-demo-1")

    handler.on_event(event("Delete", physical_id="hpo-demo-1"))

    assert len(sm.backoff.delays) == 3
    sm.assert_done()


def test_retries_are_bounded_by_one_attempt_budget(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create_faults(name, [("ThrottlingException", 400)] * SAGEMAKER.CLIENT_MAX_ATTEMPTS)

    with pytest.raises(handler.SageMakerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert f"CreateHyperParameterTuningJob failed for tuning job '{name}': ThrottlingException" in message
    assert f"gave up after {SAGEMAKER.CLIENT_MAX_ATTEMPTS} attempts" in message
    assert sm.stubber.requests == ["CreateHyperParameterTuningJob"] * SAGEMAKER.CLIENT_MAX_ATTEMPTS
    delays = sm.backoff.delays
    assert len(delays) == SAGEMAKER.CLIENT_MAX_ATTEMPTS - 1
    assert sum(delays) <= SAGEMAKER.MAX_BACKOFF_SECONDS == 15.0
    assert sm.sleeps.delays == []
    sm.assert_done()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ValidationException", "MaxResource must be less than or equal to 20000"),
        ("ResourceLimitExceeded", "The account-level service limit 'Number of concurrent tuning jobs' is 100"),
    ],
    ids=["validation", "resource-limit"],
)
def test_non_retryable_errors_fail_at_once(handler: ModuleType, sm: SageMakerScript, code: str, message: str) -> None:
    name = generated(handler)
    sm.create_error(name, code, message)

    with pytest.raises(handler.SageMakerError) as raised:
        handler.on_event(event("Create"))

    assert str(raised.value) == f"CreateHyperParameterTuningJob failed for tuning job '{name}': {code}: {message}"
    assert sm.sleeps.delays == [] and sm.backoff.delays == []
    sm.assert_done()


# ---------------------------------------------------------------------------------------------------------------------
# Client, logs, import


def test_default_client_configuration(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = SAGEMAKER.client()
    assert SAGEMAKER.client() is client  # cached
    assert client.meta.service_model.service_name == "sagemaker"
    assert "sagemaker-hpo-cdk" in client.meta.config.user_agent_extra
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": SAGEMAKER.CLIENT_MAX_ATTEMPTS}
    assert client.meta.config.read_timeout == SAGEMAKER.CLIENT_READ_TIMEOUT_SECONDS
    handler.reset()
    assert SAGEMAKER.client() is not client


def test_logs_are_json_and_never_contain_the_request(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    name = generated(handler)
    sm.create_faults(name, [("ThrottlingException", 400)])
    sm.create(name)
    sm.describe(name, "InProgress")

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        handler.on_event(event("Create"))

    lines = [record.getMessage() for record in caplog.records if record.name == "sagemaker_hpo.tuning_job"]
    assert lines
    records = [json.loads(line) for line in lines]
    assert any(record.get("job") == name and record["requestType"] == "Create" for record in records)
    assert SECRET not in caplog.text and "s3://hpo-demo-data" not in caplog.text
    sm.assert_done(owned={name})


def test_cold_import_loads_no_aws_sdk() -> None:
    code = LOADER_CODE + "print(sorted(name for name in ('boto3', 'botocore') if name in sys.modules))\n"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"


def test_logs_use_extra_fields_with_lambdas_json_log_format(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.stop("hpo-demo-1")

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        handler.on_event(event("Delete", physical_id="hpo-demo-1"))

    stopped = [record for record in caplog.records if record.getMessage() == "stopped job"]
    assert len(stopped) == 1
    assert stopped[0].job == "hpo-demo-1"  # type: ignore[attr-defined]
    assert stopped[0].requestType == "Delete"  # type: ignore[attr-defined]
    sm.assert_done()
