"""Fixtures of the job waiter tests: the local pre-signed URL server, a clean function per test, a stubbed SageMaker
client, and the long wait's synthesized input transformer (synthesized once per process)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.stub import Stubber

from tests.construct_support import job, new_stack
from tests.handlers.job_waiter.support import Recorder, waiter


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    Recorder.puts.clear()
    Recorder.statuses.clear()
    waiter.reset()
    yield
    waiter.reset()


@pytest.fixture
def sagemaker() -> Iterator[Stubber]:
    client = boto3.client(
        "sagemaker",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        waiter.set_client(client)
        waiter.set_sleep(lambda seconds: None)
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture(scope="session")
def transformer() -> dict[str, Any]:
    """The input transformer of the long wait's rule, as synthesized, and the handle's logical id."""
    stack = new_stack("WaiterInput")
    job(stack, wait_for_completion=True, max_runtime=cdk.Duration.hours(3))
    template = Template.from_stack(stack).to_json()
    (rule,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule")
    (target,) = rule["Properties"]["Targets"]
    (handle,) = (k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudFormation::WaitConditionHandle")
    return {"transformer": target["InputTransformer"], "handle": handle}
