"""Fault-injection matrix for the tuning-job handler.

Each row is a CloudFormation scenario: a sequence of handler invocations, the SageMaker calls each one must make
(planned on a Stubber, in order, with exact parameters, and faults injected), and what CloudFormation gets back
(the return value, or the exception message the Provider framework reports). After the last step every planned call
must have happened, and the simulated service must have no job left ``InProgress`` except the ones the stack owns at
that point. ``docs/reliability.md`` lists these rows with their pytest node ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from tests.handler_support import (
    CREATE_FAILED_MARKER,
    LOGICAL_ID,
    NOW,
    PREFIX,
    STACK_ID,
    SageMakerScript,
    after_on_event,
    best_training_job,
    event,
    handler_module,
    job_arn,
    load_handler,
    properties,
    stubbed_handler,
    xgboost_request,
)

HANDLER = load_handler()
PROPERTIES = handler_module("properties")
SAGEMAKER = handler_module("sagemaker")
IAM = handler_module("iam_propagation")
A_REQUEST = xgboost_request()
B_REQUEST = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
A = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, A_REQUEST)
B = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, B_REQUEST)
FOREIGN_REQUEST = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 50})
ATTEMPTS = SAGEMAKER.CLIENT_MAX_ATTEMPTS
URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
THROTTLE = ("ThrottlingException", 400)
REASON = "ClientError: No training job succeeded after 5 attempts. AlgorithmError: see the training job logs"
ROLE_ARN = A_REQUEST["TrainingJobDefinition"]["RoleArn"]
PASS_ROLE_DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/hpo-demo-handler/hpo-demo-onEvent is not authorized to perform: "
    f"iam:PassRole on resource: {ROLE_ARN} because no identity-based policy allows the iam:PassRole action"
)
COULD_NOT_ASSUME = (
    f"Could not assume role {ROLE_ARN}. Please ensure that the role exists and allows principal "
    "'sagemaker.amazonaws.com' to assume the role."
)

A_PROPS = properties(A_REQUEST)
B_PROPS = properties(B_REQUEST)
A_WAIT = properties(A_REQUEST, wait=True, timeout=1800)
B_WAIT = properties(B_REQUEST, wait=True, timeout=1800)


@dataclass(frozen=True)
class Ok:
    """The invocation returns; ``expected`` must be a subset of the result."""

    expected: Mapping[str, Any]


@dataclass(frozen=True)
class Fails:
    """The invocation raises (CloudFormation gets FAILED); the message contains every fragment."""

    fragments: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    handler: str  # "on_event" or "is_complete"
    event: dict[str, Any]
    plan: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]
    outcome: Ok | Fails


@dataclass(frozen=True)
class Row:
    id: str
    steps: tuple[Step, ...]
    owned: frozenset[str] = frozenset()  # jobs the stack keeps (may legitimately still run)
    seeded: tuple[tuple[str, str, dict[str, Any]], ...] = ()  # jobs that exist before the scenario
    started: tuple[str, ...] = field(default=())  # jobs the handler creates, in order (never a duplicate)
    retries: int | None = None  # when set: the number of backoff sleeps (0 = failed at once)
    jitter: float | None = None  # when set: a fixed jitter, so that the retry schedule is exact
    max_delay: float | None = None  # the most backoff the row may sleep; default: the retry budget per step


def op(method: str, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """One planned SageMaker interaction, a method of SageMakerScript."""
    return (method, args, kwargs)


def ok(**expected: Any) -> Ok:
    return Ok(expected)


def fails(*fragments: str) -> Fails:
    return Fails(fragments)


def waiting(props: dict[str, Any], name: str, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
    """The event is_complete gets after on_event returned ``name``."""
    evt = event(request_type, props, **extra)
    return after_on_event(
        evt, {"PhysicalResourceId": name, "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)}}
    )


def create_ok(
    name: str, request: dict[str, Any] | None = None
) -> tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]:
    return (op("create", name, request), op("describe", name, "InProgress"))


ROWS = [
    Row(
        "create-throttling-burst",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create_faults", A, [THROTTLE] * (ATTEMPTS - 1)), *create_ok(A)),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        started=(A,),
        retries=ATTEMPTS - 1,
    ),
    Row(
        "create-5xx-and-connection-errors",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op(
                        "create_faults",
                        A,
                        [
                            ("InternalFailure", 500),
                            ("ServiceUnavailable", 503),
                            EndpointConnectionError(endpoint_url=URL),
                        ],
                    ),
                    op("create", A),
                    op(
                        "describe_faults",
                        A,
                        [
                            ReadTimeoutError(endpoint_url=URL),
                            ("InternalServerError", 500),
                            ConnectTimeoutError(endpoint_url=URL),
                        ],
                    ),
                    op("describe", A, "InProgress"),
                ),
                ok(PhysicalResourceId=A, Data={"TuningJobName": A, "TuningJobArn": job_arn(A)}),
            ),
        ),
        owned=frozenset({A}),
        started=(A,),
        retries=6,
    ),
    Row(
        "create-resource-limit-exceeded",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op(
                        "create_error",
                        A,
                        "ResourceLimitExceeded",
                        "The account-level service limit 'ml.m5.xlarge for spot training job usage' is 0 Instances",
                    ),
                ),
                fails(
                    f"CreateHyperParameterTuningJob failed for tuning job '{A}'",
                    "ResourceLimitExceeded",
                    "is 0 Instances",
                ),
            ),
        ),
        retries=0,
    ),
    Row(
        "create-service-validation-error",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op(
                        "create_error",
                        A,
                        "ValidationException",
                        "MaxResource parameter is not provided and could not be inferred",
                    ),
                ),
                fails(
                    f"CreateHyperParameterTuningJob failed for tuning job '{A}'",
                    "ValidationException",
                    "could not be inferred",
                ),
            ),
        ),
        retries=0,
    ),
    Row(
        "create-throttled-past-retry-budget",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create_faults", A, [THROTTLE] * ATTEMPTS),),
                fails("ThrottlingException", f"gave up after {ATTEMPTS} attempts"),
            ),
        ),
        retries=ATTEMPTS - 1,
    ),
    Row(
        "create-denied-while-iam-propagates",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op("create_error", A, "AccessDeniedException", PASS_ROLE_DENIED),
                    op("create_error", A, "ValidationException", COULD_NOT_ASSUME),
                    *create_ok(A),
                ),
                ok(PhysicalResourceId=A, Data={"TuningJobName": A, "TuningJobArn": job_arn(A)}),
            ),
        ),
        owned=frozenset({A}),
        started=(A,),
        retries=2,
    ),
    Row(
        "create-denied-past-iam-propagation-window",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                tuple(op("create_error", A, "AccessDeniedException", PASS_ROLE_DENIED) for _ in range(8)),
                fails(
                    f"CreateHyperParameterTuningJob failed for tuning job '{A}': AccessDeniedException",
                    PASS_ROLE_DENIED,
                    "gave up after 8 attempts",
                    "IAM changes take a moment to propagate",
                    "retried for 78 s",
                    "one the provider may pass (iam:PassRole)",
                ),
            ),
        ),
        retries=7,
        jitter=1.0,  # delays at their ceilings: 2, 4, 8, 16, 16, 16, 16 s; the next 16 s would pass 90 s
        max_delay=IAM.IAM_PROPAGATION_WAIT_SECONDS,
    ),
    Row(
        "create-retried-adopts-existing-job",
        (
            Step("on_event", event("Create", A_PROPS), create_ok(A), ok(PhysicalResourceId=A)),
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create_exists", A), op("describe", A, "InProgress")),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        started=(A,),
    ),
    Row(
        "create-describe-fails-job-stopped",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create", A), op("describe_faults", A, [THROTTLE] * ATTEMPTS), op("stop", A)),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{A}'", "was stopped"),
            ),
        ),
        started=(A,),
    ),
    Row(
        "create-describe-denied-stop-retried",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op("create", A),
                    op(
                        "describe_error",
                        A,
                        "AccessDeniedException",
                        "not authorized to perform: sagemaker:DescribeHyperParameterTuningJob",
                    ),
                    op("stop_faults", A, [THROTTLE, ("ServiceUnavailable", 503)]),
                    op("stop", A),
                ),
                fails("AccessDeniedException", "was stopped"),
            ),
        ),
        started=(A,),
    ),
    Row(
        "fixed-name-taken-by-another-job",
        (
            Step(
                "on_event",
                event("Create", properties(A_REQUEST, name="shared-name")),
                (op("create_exists", "shared-name"), op("describe", "shared-name", "InProgress")),
                fails("'shared-name' already exists with a different configuration"),
            ),
        ),
        owned=frozenset({"shared-name"}),  # somebody else's job: left alone
        seeded=(("shared-name", "InProgress", FOREIGN_REQUEST),),
    ),
    Row(
        "delete-of-stopping-job",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "Stopping"),),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "Stopping", A_REQUEST),),
    ),
    Row(
        "delete-stops-running-job-after-throttling",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"), op("stop_faults", A, [THROTTLE] * 3), op("stop", A)),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
        retries=3,
    ),
    Row(
        "delete-stop-races-completion",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (
                    op("describe", A, "InProgress"),
                    op("finish", A, "Completed"),
                    op("stop_error", A, "ValidationException", f"Job {A} is not in a stoppable state: Completed"),
                ),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
    Row(
        "delete-with-framework-create-failed-marker",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=CREATE_FAILED_MARKER),
                (),
                ok(PhysicalResourceId=CREATE_FAILED_MARKER),
            ),
        ),
    ),
    Row(
        "delete-of-job-never-created",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (
                    op(
                        "describe_error",
                        A,
                        "ResourceNotFound",
                        f"Amazon SageMaker can't find a tuning job with name {A}",
                    ),
                ),
                ok(PhysicalResourceId=A),
            ),
        ),
    ),
    Row(
        "delete-describe-denied-fails",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe_error", A, "AccessDeniedException", "not authorized"),),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{A}'", "AccessDeniedException"),
            ),
        ),
        owned=frozenset({A}),  # the delete failed: the resource (and its job) stays in the stack
        seeded=((A, "InProgress", A_REQUEST),),
        retries=0,
    ),
    Row(
        "failed-create-then-delete",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create", A), op("describe_faults", A, [("InternalFailure", 500)] * ATTEMPTS), op("stop", A)),
                fails("InternalFailure", "was stopped"),
            ),
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=CREATE_FAILED_MARKER),
                (),
                ok(PhysicalResourceId=CREATE_FAILED_MARKER),
            ),
        ),
        started=(A,),
    ),
    Row(
        "failed-update-rollback-then-delete-new-job",
        (
            Step(
                "on_event",
                event("Update", B_WAIT, old=A_WAIT, physical_id=A),
                create_ok(B, B_REQUEST),
                ok(PhysicalResourceId=B),
            ),
            Step(
                "is_complete",
                waiting(B_WAIT, B, "Update", old=A_WAIT, physical_id=A),
                (op("describe", B, "Failed", failure_reason=REASON),),
                fails(f"Tuning job '{B}' ended with status Failed", "No training job succeeded"),
            ),
            # Rollback: the OLD properties with the NEW physical id; the old job is adopted, not re-created.
            Step(
                "on_event",
                event("Update", A_WAIT, old=B_WAIT, physical_id=B),
                (op("create_exists", A), op("describe", A, "Completed")),
                ok(PhysicalResourceId=A),
            ),
            Step(
                "is_complete",
                waiting(A_WAIT, A, "Update", old=B_WAIT, physical_id=B),
                (op("describe", A, "Completed", best=best_training_job({"eta": "0.2"})),),
                ok(IsComplete=True),
            ),
            Step(
                "on_event",
                event("Delete", B_WAIT, physical_id=B),
                (op("describe", B, "Failed"),),
                ok(PhysicalResourceId=B),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "Completed", A_REQUEST),),
        started=(B,),
    ),
    Row(
        "update-rolled-back-then-delete-stops-new-job",
        (
            Step(
                "on_event",
                event("Update", B_PROPS, old=A_PROPS, physical_id=A),
                create_ok(B, B_REQUEST),
                ok(PhysicalResourceId=B),
            ),
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=B),
                (op("create_exists", A), op("describe", A, "InProgress")),
                ok(PhysicalResourceId=A),
            ),
            Step(
                "on_event",
                event("Delete", B_PROPS, physical_id=B),
                (op("describe", B, "InProgress"), op("stop", B)),
                ok(PhysicalResourceId=B),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST),),
        started=(B,),
    ),
    Row(
        "update-fails-after-start-then-rollback",
        (
            Step(
                "on_event",
                event("Update", B_PROPS, old=A_PROPS, physical_id=A),
                (op("create", B, B_REQUEST), op("describe_faults", B, [THROTTLE] * ATTEMPTS), op("stop", B)),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{B}'", "was stopped"),
            ),
            # The failed update returned no new id: the rollback names the old job, which is kept as it is.
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (op("describe", A, "InProgress"),),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST),),
        started=(B,),
    ),
    Row(
        "update-turns-on-wait-for-running-job",
        (
            # Only WaitForCompletion changes (false -> true): same job, and the deployment now waits for it.
            Step(
                "on_event",
                event("Update", A_WAIT, old=A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"),),
                ok(PhysicalResourceId=A),
            ),
            Step(
                "is_complete",
                waiting(A_WAIT, A, "Update", old=A_PROPS, physical_id=A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=600)),),
                ok(IsComplete=False),
            ),
            Step(
                "is_complete",
                waiting(A_WAIT, A, "Update", old=A_PROPS, physical_id=A),
                (op("describe", A, "Completed", best=best_training_job({"eta": "0.2"}, name="hpo-demo-a-007")),),
                ok(IsComplete=True),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
    Row(
        "revert-to-stopped-configuration-waiting-fails",
        (
            # A -> B stopped A (cleanup Delete); B -> A computes A's name again and finds A Stopped.
            Step(
                "on_event",
                event("Update", A_WAIT, old=B_WAIT, physical_id=B),
                (op("create_exists", A), op("describe", A, "Stopped")),
                fails(
                    f"Tuning job '{A}' for this configuration already exists and was stopped earlier",
                    "cannot wait for it to complete",
                    "change any property of the TuningJob (a tag, for example)",
                ),
            ),
        ),
        owned=frozenset({B}),  # the update failed: B stays the stack's job
        seeded=((A, "Stopped", A_REQUEST), (B, "InProgress", B_REQUEST)),
    ),
    Row(
        "revert-to-stopped-configuration-adopted-without-wait",
        (
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=B),
                (op("create_exists", A), op("describe", A, "Stopped")),
                ok(PhysicalResourceId=A, Data={"TuningJobName": A, "TuningJobArn": job_arn(A)}),
            ),
            Step("is_complete", waiting(A_PROPS, A, "Update", old=B_PROPS, physical_id=B), (), ok(IsComplete=True)),
            Step(
                "on_event",
                event("Delete", B_PROPS, physical_id=B),
                (op("describe", B, "InProgress"), op("stop", B)),
                ok(PhysicalResourceId=B),
            ),
        ),
        seeded=((A, "Stopped", A_REQUEST), (B, "InProgress", B_REQUEST)),
    ),
    Row(
        "wait-job-failed",
        (
            Step(
                "is_complete",
                waiting(A_WAIT, A),
                (op("describe", A, "Failed", failure_reason=REASON),),
                fails(f"Tuning job '{A}' ended with status Failed", REASON),
            ),
            Step(
                "on_event",
                event("Delete", A_WAIT, physical_id=A),
                (op("describe", A, "Failed"),),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
    Row(
        "wait-job-stopped",
        (
            Step(
                "is_complete",
                waiting(A_WAIT, A),
                (op("describe", A, "Stopped", failure_reason="Stopped by the user"),),
                fails(f"Tuning job '{A}' ended with status Stopped", "Stopped by the user"),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
    Row(
        "wait-timeout-stops-job",
        (
            Step(
                "is_complete",
                waiting(A_WAIT, A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=900)),),
                ok(IsComplete=False),
            ),
            Step(
                "is_complete",
                waiting(A_WAIT, A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=1800)), op("stop", A)),
                fails(
                    f"Tuning job '{A}' did not finish within the deployment's wait window",
                    "WaitTimeoutSeconds=1800",
                    "was stopped",
                    "shorter max_runtime",
                    "wait_for_completion=False",
                ),
            ),
            Step(
                "on_event",
                event("Delete", A_WAIT, physical_id=A),
                (op("describe", A, "Stopping"),),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
    Row(
        "wait-poll-fails-job-stopped",
        (
            Step(
                "is_complete",
                waiting(A_WAIT, A),
                (op("describe_faults", A, [THROTTLE] * ATTEMPTS), op("stop", A)),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{A}'", "was stopped"),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
    ),
]


@pytest.fixture
def script() -> Iterator[SageMakerScript]:
    with stubbed_handler(HANDLER) as plan:
        yield plan


def run_step(script: SageMakerScript, step: Step) -> None:
    for method, args, kwargs in step.plan:
        getattr(script, method)(*args, **kwargs)
    entry = getattr(HANDLER, step.handler)
    if isinstance(step.outcome, Fails):
        with pytest.raises(HANDLER.HandlerError) as raised:
            entry(step.event)
        for fragment in step.outcome.fragments:
            assert fragment in str(raised.value), f"{fragment!r} not in {str(raised.value)!r}"
        return
    result = entry(step.event)
    for key, value in step.outcome.expected.items():
        assert result.get(key) == value, f"{key}: {result.get(key)!r} != {value!r}"
    if step.handler == "is_complete" and result.get("IsComplete") is False:
        assert "Data" not in result


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_fault_matrix(script: SageMakerScript, row: Row) -> None:
    if row.jitter is not None:
        HANDLER.set_jitter(lambda: row.jitter)
    for name, status, request in row.seeded:
        script.seed(name, status, request)
    for step in row.steps:
        run_step(script, step)
    script.assert_done(owned=row.owned)
    assert tuple(script.created) == row.started, "a job was created twice or unexpectedly"
    if row.retries is not None:
        assert len(script.backoff.delays) + len(script.sleeps.delays) == row.retries
    if row.max_delay is not None:
        assert sum(script.sleeps.delays) <= row.max_delay
    assert sum(script.backoff.delays) <= SAGEMAKER.MAX_BACKOFF_SECONDS * len(script.stubber.requests)


def test_matrix_ids_are_unique() -> None:
    assert len({row.id for row in ROWS}) == len(ROWS)


def test_reliability_doc_matches_the_matrix() -> None:
    """docs/reliability.md lists exactly the rows of this matrix, by pytest node id."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text()
    listed = re.findall(r"`tests/test_handler_faults\.py::test_fault_matrix\[([a-z0-9-]+)\]`", doc)
    assert listed == [row.id for row in ROWS]
