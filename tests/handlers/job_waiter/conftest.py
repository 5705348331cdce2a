"""Fixtures of the job waiter tests: the local pre-signed URL server, a clean function per test, a stubbed client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber

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
