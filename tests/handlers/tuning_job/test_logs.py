"""Tests of ``tuning_job.logs``: one JSON object per line (or Lambda's JSON log format), never a request body."""

from __future__ import annotations

import json
import logging
from types import ModuleType

import pytest

from tests.handler_support import SECRET, SageMakerScript, event, generated


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
