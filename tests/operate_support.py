"""A local stand-in for SageMaker (JSON protocol) and CloudFormation's DescribeStackResource (query protocol).

``StandIn`` serves, on 127.0.0.1, DescribeHyperParameterTuningJob, ListTrainingJobsForHyperParameterTuningJob (with
NextToken pages), DescribeTrainingJob and DescribeStackResource, with an optional latency per call and injected
faults (throttling, access denied). It counts the calls and the most calls in flight at once. Used by
tests/test_operate_*.py and tests/benchmarks/bench_status.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

#: 2026-01-01T00:00:00Z: the stand-in's tuning jobs are created then.
T0 = 1_767_225_600.0


def training_jobs(tuning_job: str, count: int, *, start: float = T0, maximize: bool = True) -> list[dict[str, Any]]:
    """``count`` ended training jobs: every 7th stopped early, every 11th failed, the rest completed.

    Job ``i`` runs from ``start + 60 i`` for ``300 + 10 i`` seconds; its objective is ``0.5 + (i % 17) / 40``
    (``0.9`` is the best: ``i = 16, 33, ...``; the first of them is the best). Each has two tuned and two static
    hyperparameters, 2 instances and ``BillableTimeInSeconds`` equal to its run time.
    """
    jobs = []
    for i in range(count):
        name = f"{tuning_job}-{i:03d}-abcdef12"
        begin = start + 60 * i
        end = begin + 300 + 10 * i
        status = "Failed" if i % 11 == 10 else "Stopped" if i % 7 == 6 else "Completed"
        value = 0.5 + (i % 17) / 40 if maximize else 1.0 - (i % 17) / 40
        summary: dict[str, Any] = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
            "TuningJobName": tuning_job,
            "CreationTime": begin - 5,
            "TrainingStartTime": begin,
            "TrainingEndTime": end,
            "TrainingJobStatus": status,
            "TunedHyperParameters": {"learning_rate": f"{0.001 * (i + 1):.4f}", "batch_size": str(32 * (1 + i % 4))},
        }
        if status == "Failed":
            summary["FailureReason"] = "AlgorithmError: out of memory"
            summary["ObjectiveStatus"] = "Failed"
        else:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "MetricName": "validation:accuracy",
                "Value": value,
            }
            summary["ObjectiveStatus"] = "Succeeded"
        details = {
            "TrainingJobName": name,
            "TrainingJobArn": summary["TrainingJobArn"],
            "TuningJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{tuning_job}",
            "TrainingJobStatus": status,
            "SecondaryStatus": status,
            "HyperParameters": {**summary["TunedHyperParameters"], "epochs": "20", "optimizer": "adam"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 30},
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/output/{name}/output/model.tar.gz"},
            "CreationTime": begin - 5,
            "TrainingStartTime": begin,
            "TrainingEndTime": end,
            "BillableTimeInSeconds": int(end - begin),
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        }
        if status == "Failed":
            details["FailureReason"] = summary["FailureReason"]
            details.pop("ModelArtifacts")
        jobs.append({"summary": summary, "details": details})
    return jobs


def tuning_job(
    name: str,
    trainings: list[dict[str, Any]],
    *,
    status: str = "Completed",
    max_jobs: int = 0,
    strategy: str = "Hyperband",
    maximize: bool = True,
) -> dict[str, Any]:
    """A DescribeHyperParameterTuningJob response for ``trainings`` (counters and best job computed from them)."""
    summaries = [t["summary"] for t in trainings]
    counters = Counter(s["TrainingJobStatus"] for s in summaries)
    scored = [s for s in summaries if "FinalHyperParameterTuningJobObjectiveMetric" in s]
    sign = 1 if maximize else -1
    best = max(scored, key=lambda s: sign * s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"], default=None)
    response: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{name}",
        "HyperParameterTuningJobConfig": {
            "Strategy": strategy,
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize" if maximize else "Minimize",
                "MetricName": "validation:accuracy",
            },
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": max_jobs or len(trainings),
                "MaxParallelTrainingJobs": 4,
                "MaxRuntimeInSeconds": 7200,
            },
            "ParameterRanges": {
                "ContinuousParameterRanges": [{"Name": "learning_rate", "MinValue": "0.0001", "MaxValue": "1"}],
                "IntegerParameterRanges": [],
                "CategoricalParameterRanges": [{"Name": "batch_size", "Values": ["32", "64", "96", "128"]}],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"epochs": "20", "optimizer": "adam"},
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": T0 - 60,
        "TrainingJobStatusCounters": {
            "Completed": counters["Completed"],
            "InProgress": counters["InProgress"],
            "RetryableError": 0,
            "NonRetryableError": counters["Failed"],
            "Stopped": counters["Stopped"],
        },
        "ObjectiveStatusCounters": {"Succeeded": len(scored), "Pending": 0, "Failed": counters["Failed"]},
    }
    if status in ("Completed", "Failed", "Stopped") and summaries:
        response["HyperParameterTuningEndTime"] = max(s["TrainingEndTime"] for s in summaries) + 30
    if best is not None:
        response["BestTrainingJob"] = best
    return response


@dataclass
class StandIn:
    """What the stand-in serves and how it misbehaves.

    ``jobs``: tuning job name -> a list of DescribeHyperParameterTuningJob responses; call ``k`` gets entry
    ``min(k, len - 1)`` (a job that progresses between ``--watch`` refreshes). ``trainings``: tuning job name ->
    :func:`training_jobs` entries. ``throttle``: operation -> how many of its next calls are throttled (``-1``: all).
    ``throttle_first``: operation -> how many distinct requests are throttled on their first call only (each is then
    retried once, whatever the threads' timing). ``denied``: operations answered with AccessDeniedException. ``stack_resources``: (stack, logical id) ->
    physical id.
    """

    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    trainings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    latency: float = 0.0
    page_size: int = 100
    throttle: dict[str, int] = field(default_factory=dict)
    throttle_first: dict[str, int] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)
    stack_resources: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The error code of a tuning job that does not exist (SageMaker answers ResourceNotFound or ValidationException).
    missing_code: str = "ResourceNotFound"
    calls: Counter[str] = field(default_factory=Counter)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def forget_requests(self) -> None:
        """Forget which requests were seen (for ``throttle_first``)."""
        with self._lock:
            self._seen.clear()

    def add(self, name: str, count: int, **options: Any) -> None:
        """Serve a tuning job ``name`` with ``count`` ended training jobs (``options``: :func:`tuning_job`'s)."""
        trainings = training_jobs(name, count, maximize=options.get("maximize", True))
        self.trainings[name] = trainings
        self.jobs[name] = [tuning_job(name, trainings, **options)]

    # -- request handling -------------------------------------------------------------------------------------

    def answer(self, operation: str, params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for a SageMaker call."""
        with self._lock:
            count = self.calls[operation]
            self.calls[operation] += 1
            throttled = self.throttle.get(operation, 0)
            if throttled:
                self.throttle[operation] = throttled - 1 if throttled > 0 else -1
            key = f"{operation} {json.dumps(params, sort_keys=True)}"
            if not throttled and self.throttle_first.get(operation, 0) > 0 and key not in self._seen:
                self.throttle_first[operation] -= 1
                throttled = 1
            self._seen.add(key)
        if throttled:
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        if operation in self.denied:
            return 400, {
                "__type": "AccessDeniedException",
                "Message": f"User: arn:aws:iam::123456789012:user/u is not authorized to perform: sagemaker:{operation}",
            }
        if operation == "DescribeHyperParameterTuningJob":
            versions = self.jobs.get(params.get("HyperParameterTuningJobName", ""))
            if not versions:
                return 400, {
                    "__type": self.missing_code,
                    "Message": f"Amazon SageMaker can't find a tuning job with name {params.get('HyperParameterTuningJobName')}",
                }
            return 200, versions[min(count, len(versions) - 1)]
        if operation == "ListTrainingJobsForHyperParameterTuningJob":
            name = params.get("HyperParameterTuningJobName", "")
            if name not in self.jobs:
                return 400, {"__type": "ResourceNotFound", "Message": f"tuning job {name} does not exist"}
            start = int(params.get("NextToken") or 0)
            size = min(int(params.get("MaxResults", 100)), self.page_size)
            entries = self.trainings.get(name, [])
            page = [t["summary"] for t in entries[start : start + size]]
            body: dict[str, Any] = {"TrainingJobSummaries": page}
            if start + size < len(entries):
                body["NextToken"] = str(start + size)
            return 200, body
        if operation == "DescribeTrainingJob":
            name = params.get("TrainingJobName", "")
            for entries in self.trainings.values():
                for entry in entries:
                    if entry["summary"]["TrainingJobName"] == name:
                        return 200, entry["details"]
            return 400, {"__type": "ValidationException", "Message": f"Requested resource not found: {name}"}
        return 400, {"__type": "UnknownOperationException", "message": operation}

    def cloudformation(self, params: Mapping[str, str]) -> tuple[int, str]:
        """(HTTP status, XML body) for a CloudFormation call (DescribeStackResource only)."""
        with self._lock:
            self.calls[params.get("Action", "")] += 1
        stack, logical = params.get("StackName", ""), params.get("LogicalResourceId", "")
        physical = self.stack_resources.get((stack, logical))
        if params.get("Action") != "DescribeStackResource" or physical is None:
            return 400, (
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                f"<Message>Stack with id {escape(stack)} does not exist</Message></Error>"
                "<RequestId>r</RequestId></ErrorResponse>"
            )
        return 200, (
            '<DescribeStackResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            "<DescribeStackResourceResult><StackResourceDetail>"
            f"<StackName>{escape(stack)}</StackName><LogicalResourceId>{escape(logical)}</LogicalResourceId>"
            f"<PhysicalResourceId>{escape(physical)}</PhysicalResourceId>"
            "<ResourceType>Custom::SageMakerHyperParameterTuningJob</ResourceType>"
            "<LastUpdatedTimestamp>2026-01-01T00:00:00Z</LastUpdatedTimestamp>"
            "<ResourceStatus>CREATE_COMPLETE</ResourceStatus>"
            "</StackResourceDetail></DescribeStackResourceResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStackResourceResponse>"
        )


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and the client's
        # delayed ACK hold each answer back for tens of milliseconds (no real service answers like that).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with stand_in._lock:
                stand_in._in_flight += 1
                stand_in.max_in_flight = max(stand_in.max_in_flight, stand_in._in_flight)
            try:
                if stand_in.latency:
                    time.sleep(stand_in.latency)
                target = self.headers.get("X-Amz-Target", "")
                if target.startswith("SageMaker."):
                    status, payload = stand_in.answer(target.split(".", 1)[1], json.loads(body or b"{}"))
                    data = json.dumps(payload).encode()
                    content_type = "application/x-amz-json-1.1"
                else:
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    status, text = stand_in.cloudformation(form)
                    data = text.encode()
                    content_type = "text/xml"
            finally:
                with stand_in._lock:
                    stand_in._in_flight -= 1
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "stand-in")
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve(stand_in: StandIn) -> Iterator[str]:
    """Serve ``stand_in`` on a free port of 127.0.0.1; yield its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def aws_env(url: str) -> dict[str, str]:
    """Environment variables that point boto3 at the stand-in with fake credentials."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.operate_support --jobs 500 --latency 0.02``: serve one tuning job until stdin closes.

    Prints the URL as the first line of stdout (for benchmarks that run the stand-in in its own process, as the real
    service is).
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="a local SageMaker stand-in")
    parser.add_argument("--name", default="bench-job")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args(argv)
    stand_in = StandIn(latency=args.latency)
    stand_in.add(args.name, args.jobs)
    with serve(stand_in) as url:
        print(url, flush=True)
        sys.stdin.read()
        print(json.dumps(dict(stand_in.calls)), flush=True)


if __name__ == "__main__":
    main()
