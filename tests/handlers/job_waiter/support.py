"""Helpers of the job waiter tests (``lambda/job_waiter``): the function loaded as Lambda loads it, a local
stand-in for S3's pre-signed URLs, SageMaker's state-change events through the synthesized rule's input transformer,
and canned SageMaker responses. Fixtures are in this package's ``conftest.py``.

The function is loaded by file path under its Lambda name: the package ``job_waiter`` from the task root. SageMaker
is a botocore Stubber; the pre-signed URLs (the wait condition handle, CloudFormation's ResponseURL) are served by a
local HTTP server on 127.0.0.1 that records every PUT.

The events are the shape of the SageMaker developer guide's "SageMaker HyperParameter Tuning Job State Change" sample
(``detail`` carries the job's name, ARN, status, counters and training job definition, never a FailureReason), passed
through the rule's input transformer exactly as the synthesized template declares it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = ROOT / "lambda" / "job_waiter"
JOB = "hpo-demo-3f2a9c1b7d4e"
JOB_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{JOB}"
BEST = f"{JOB}-017-5e8a2b1c"
REASON = "ClientError: Failed to download data. The specified key train/data.csv does not exist."


def load_waiter() -> ModuleType:
    """``job_waiter.index``, the package loaded by file path under its Lambda name (``lambda`` is a keyword)."""
    if "job_waiter" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "job_waiter", PACKAGE_DIR / "__init__.py", submodule_search_locations=[str(PACKAGE_DIR)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules["job_waiter"] = package
        spec.loader.exec_module(package)
    return importlib.import_module("job_waiter.index")


waiter = load_waiter()
contract = waiter.contract


class Recorder(BaseHTTPRequestHandler):
    """Records each PUT (path, Content-Type, JSON body) and answers with the status set for its path (default 200)."""

    puts: list[tuple[str, str | None, dict[str, Any]]] = []
    statuses: dict[str, int] = {}

    def do_PUT(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        Recorder.puts.append((self.path, self.headers.get("Content-Type"), body))
        status = Recorder.statuses.get(self.path.split("?")[0], 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


def handle_url(server: str, name: str = "handle") -> str:
    """A pre-signed-looking URL of the local server (query string as CloudFormation's handles carry)."""
    return f"{server}/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123abcd"


def sample_event(status: str, name: str = JOB) -> dict[str, Any]:
    """A "SageMaker HyperParameter Tuning Job State Change" event (the developer guide's sample, this job)."""
    return {
        "version": "0",
        "id": "9ed8f3e9-d5e6-4a35-b1cd-2bdfaa3a4f9b",
        "detail-type": "SageMaker HyperParameter Tuning Job State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2026-12-06T12:26:13Z",
        "region": "us-east-1",
        "resources": [JOB_ARN],
        "detail": {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": JOB_ARN,
            "TrainingJobDefinition": {
                "StaticHyperParameters": {"num_round": "100", "objective": "binary:logistic"},
                "AlgorithmSpecification": {
                    "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                    "TrainingInputMode": "File",
                },
                "RoleArn": "arn:aws:iam::123456789012:role/hpo-demo-sagemaker",
                "OutputDataConfig": {"S3OutputPath": "s3://my-data/output/"},
                "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            },
            "HyperParameterTuningJobStatus": status,
            "CreationTime": 1765023973000,
            "LastModifiedTime": 1765031173000,
            "TrainingJobStatusCounters": {
                "Completed": 19,
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": 1,
                "Stopped": 0,
            },
            "ObjectiveStatusCounters": {"Succeeded": 19, "Pending": 0, "Failed": 1},
            "Tags": {},
        },
    }


def rule_input(transformer: dict[str, Any], event: dict[str, Any], url: str) -> dict[str, Any]:
    """What EventBridge passes the function: the template filled with the event's paths and the handle's URL."""
    template = transformer["transformer"]["InputTemplate"]
    if isinstance(template, dict):  # Fn::Join with the handle's Ref
        _, parts = template["Fn::Join"]
        template = "".join(url if part == {"Ref": transformer["handle"]} else part for part in parts)
    for key, path in transformer["transformer"]["InputPathsMap"].items():
        value: Any = event
        for step in path.removeprefix("$.").split("."):
            value = value[step]
        template = template.replace(f"<{key}>", json.dumps(value))
    result: dict[str, Any] = json.loads(template)
    return result


def signals(path: str = "/handle") -> list[dict[str, Any]]:
    return [body for put_path, _, body in Recorder.puts if put_path.split("?")[0] == path]


def describe_response(status: str, **extra: Any) -> dict[str, Any]:
    created = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    response: dict[str, Any] = {
        "HyperParameterTuningJobName": JOB,
        "HyperParameterTuningJobArn": JOB_ARN,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxParallelTrainingJobs": 2, "MaxNumberOfTrainingJobs": 20},
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": created,
        "TrainingJobStatusCounters": {"Completed": 19, "NonRetryableError": 1},
        "ObjectiveStatusCounters": {"Succeeded": 19, "Failed": 1},
    }
    response.update(extra)
    return response


def best_summary(name: str = BEST, value: float = 0.9412, tuned: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": tuned or {"eta": "0.21", "max_depth": "6"},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:auc", "Value": value},
    }


def cfn_event(server: str, action: str, request_type: str = "Create", **properties: str) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": f"{server}/response?X-Amz-Signature=feed",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/hpo-demo/5b1c2f40",
        "RequestId": "6f1c0a2e-request",
        "LogicalResourceId": "JobWait",
        "ResourceType": "Custom::Test",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:waiter",
            contract.PROP_ACTION: action,
            contract.PROP_TUNING_JOB_NAME: JOB,
            **properties,
        },
    }


def cfn_response() -> dict[str, Any]:
    (body,) = signals("/response")
    return body
