"""Tests of ``tuning_job.sagemaker``: the client's configuration and its one retry policy (botocore ``standard`` mode)."""

from __future__ import annotations

from types import ModuleType

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from tests.handler_support import SageMakerScript, event, generated, handler_module

SAGEMAKER = handler_module("sagemaker")


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
