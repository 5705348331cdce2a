"""Fault-injection matrix for the tuning-job handler.

Each row is a CloudFormation scenario: a sequence of handler invocations, the SageMaker calls each one must make
(planned on a Stubber, in order, with exact parameters, and faults injected), and what CloudFormation gets back
(the return value, or the exception message the Provider framework reports). After the last step every planned call
must have happened, and the simulated service must have no job left ``InProgress`` except the ones the stack owns at
that point. ``docs/reliability.md`` lists these rows with their pytest node ids.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from tests.handler_support import (
    COULD_NOT_ASSUME,
    CREATE_FAILED_MARKER,
    LOGICAL_ID,
    NOW,
    ONE_CALL,
    PASS_ROLE_DENIED,
    PREFIX,
    ROOT,
    STACK_ID,
    SageMakerScript,
    after_on_event,
    best_training_job,
    event,
    handler_module,
    job_arn,
    load_handler,
    owner_tags,
    properties,
    stubbed_handler,
    xgboost_request,
)

HANDLER = load_handler()
PROPERTIES = handler_module("properties")
SAGEMAKER = handler_module("sagemaker")
IAM = handler_module("iam_propagation")
RUNTIME = handler_module("runtime")
ORPHANS = handler_module("orphans")
A_REQUEST = xgboost_request()
B_REQUEST = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
A = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, A_REQUEST)
B = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, B_REQUEST)
FOREIGN_REQUEST = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 50})
ATTEMPTS = SAGEMAKER.CLIENT_MAX_ATTEMPTS
URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
THROTTLE = ("ThrottlingException", 400)
REASON = "ClientError: No training job succeeded after 5 attempts. AlgorithmError: see the training job logs"

# Issue 10: ownership and orphans.
OTHER_STACK = STACK_ID.replace("stack/hpo-demo/", "stack/hpo-other-team/")
FOREIGN_TAGS = owner_tags(A_REQUEST, stack_id=OTHER_STACK, request_id="another-stacks-request")
A_TAGGED_REQUEST = xgboost_request(
    Tags=[{"Key": "project", "Value": "hpo-demo"}, {"Key": "cost-center", "Value": "42"}]
)
FIXED = "fixed-a"
FIXED_PROPS = properties(A_REQUEST, name=FIXED)
# 52 static hyperparameters of 2,500 characters: an Update event (old and new properties) passes 262,144 bytes.
BIG_STATIC = {f"long_value_{index:02d}": "x" * 2500 for index in range(52)}
A_BIG_REQUEST = xgboost_request(
    **{
        "TrainingJobDefinition.StaticHyperParameters": {
            **A_REQUEST["TrainingJobDefinition"]["StaticHyperParameters"],
            **BIG_STATIC,
        }
    }
)
B_BIG_REQUEST = copy.deepcopy(A_BIG_REQUEST)
B_BIG_REQUEST["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 4
B_BIG = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, B_BIG_REQUEST)
A_BIG = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, A_BIG_REQUEST)
FIVE_HOURS = 5 * 3600

# Issue 16: owner checks that fail closed.
SHARED = "shared-name"
SHARED_PROPS = properties(A_REQUEST, name=SHARED)
# The job of an Update whose answer never reached CloudFormation (its function ran out of time after the create).
B_LOST_TAGS = owner_tags(B_REQUEST, request_id="the-update-whose-answer-was-lost")
# Describes until the describe lag wait gives up (1 + 2 + 4 + 8 + 8 = 23 s; the next 8 s would pass 30 s).
LAG_SLEEPS = 5
UNCONFIRMED = "exists, but whose it is could not be confirmed"

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
    after_on_event: bool = False  # is_complete gets this event merged with the previous on_event result
    clock: float = 0.0  # seconds after NOW at which the step runs
    remaining: float | None = None  # seconds of Lambda time left at the start (less the handler's own sleeps)


@dataclass(frozen=True)
class Row:
    id: str
    steps: tuple[Step, ...]
    owned: frozenset[str] = frozenset()  # jobs the stack keeps (may legitimately still run)
    seeded: tuple[
        tuple[Any, ...], ...
    ] = ()  # (name, status, request[, tags]): jobs existing before  # jobs that exist before the scenario
    started: tuple[str, ...] = field(default=())  # jobs the handler creates, in order (never a duplicate)
    retries: int | None = None  # when set: the number of backoff sleeps (0 = failed at once)
    jitter: float | None = None  # when set: a fixed jitter, so that the retry schedule is exact
    max_delay: float | None = None  # the most backoff the row may sleep; default: the retry budget per step
    still_running: frozenset[str] = frozenset()  # jobs that must be left InProgress (another owner's, say)


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
                (op("create_exists", A), op("describe", A, "InProgress"), op("list_tags", A)),
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
                (
                    op("create_exists", "shared-name"),
                    op("describe", "shared-name", "InProgress"),
                    op("list_tags", "shared-name"),
                ),
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
                (
                    op("describe", A, "InProgress"),
                    op("list_tags", A),
                    op("stop_faults", A, [THROTTLE] * 3),
                    op("stop", A),
                ),
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
                    op("list_tags", A),
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
                (op("create_exists", A), op("describe", A, "Completed"), op("list_tags", A)),
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
                (op("create_exists", A), op("describe", A, "InProgress"), op("list_tags", A)),
                ok(PhysicalResourceId=A),
            ),
            Step(
                "on_event",
                event("Delete", B_PROPS, physical_id=B),
                (op("describe", B, "InProgress"), op("list_tags", B), op("stop", B)),
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
            # The failed update returned no new id: the rollback finds B already stopping and keeps the old job.
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (op("describe", B, "Stopping"), op("describe", A, "InProgress")),
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
                (op("create_exists", A), op("describe", A, "Stopped"), op("list_tags", A)),
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
                (op("create_exists", A), op("describe", A, "Stopped"), op("list_tags", A)),
                ok(PhysicalResourceId=A, Data={"TuningJobName": A, "TuningJobArn": job_arn(A)}),
            ),
            Step("is_complete", waiting(A_PROPS, A, "Update", old=B_PROPS, physical_id=B), (), ok(IsComplete=True)),
            Step(
                "on_event",
                event("Delete", B_PROPS, physical_id=B),
                (op("describe", B, "InProgress"), op("list_tags", B), op("stop", B)),
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
    # ---- issue 10: ownership ------------------------------------------------------------------------------------
    Row(
        "fixed-name-owned-by-another-stack-not-adopted-nor-stopped",
        (
            Step(
                "on_event",
                event("Create", properties(A_REQUEST, name="shared-name")),
                (
                    op("create_exists", "shared-name"),
                    op("describe", "shared-name", "InProgress"),
                    op("list_tags", "shared-name"),
                ),
                fails("'shared-name' already exists and is not this resource's", OTHER_STACK, "left untouched"),
            ),
            # The Create failed, so the framework answers its Delete; a Delete naming the job directly changes nothing.
            Step(
                "on_event",
                event("Delete", properties(A_REQUEST, name="shared-name"), physical_id="shared-name"),
                (op("describe", "shared-name", "InProgress"), op("list_tags", "shared-name")),
                ok(PhysicalResourceId="shared-name"),
            ),
        ),
        seeded=(("shared-name", "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({"shared-name"}),
    ),
    Row(
        "name-differing-only-in-case-not-adopted",
        (
            Step(
                "on_event",
                event("Create", properties(A_REQUEST, name="shared-name")),
                (
                    op("create_exists", "shared-name"),
                    op("describe", "shared-name", "InProgress"),
                    op("list_tags", "Shared-Name"),
                ),
                fails("already exists and is not this resource's", "compare case-insensitively"),
            ),
        ),
        seeded=(("Shared-Name", "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({"Shared-Name"}),
    ),
    Row(
        "smaller-request-does-not-adopt-a-fuller-job",
        (
            # This resource's own job for the tagged request; the new request lacks the tags: not equal, not adopted.
            Step(
                "on_event",
                event("Create", FIXED_PROPS),
                (op("create_exists", FIXED), op("describe", FIXED, "InProgress"), op("list_tags", FIXED)),
                fails(f"'{FIXED}' already exists with a different configuration", "left untouched"),
            ),
        ),
        seeded=((FIXED, "InProgress", A_TAGGED_REQUEST, owner_tags(A_TAGGED_REQUEST, request_id="earlier")),),
        still_running=frozenset({FIXED}),
    ),
    Row(
        "delete-of-another-stacks-job-leaves-it-running",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"), op("list_tags", A)),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({A}),
    ),
    Row(
        "delete-of-untagged-job-leaves-it-running",
        (
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"), op("list_tags", A)),
                ok(PhysicalResourceId=A),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST, {}),),
        still_running=frozenset({A}),
    ),
    # ---- issue 10: no orphans -------------------------------------------------------------------------------------
    Row(
        "create-answer-lost-then-describe-fails-job-stopped",
        (
            Step(
                "on_event",
                event("Create", FIXED_PROPS),
                (
                    op("create_lost", FIXED),
                    op("create_exists", FIXED),
                    op("describe_faults", FIXED, [THROTTLE] * ATTEMPTS),
                    op("list_tags", FIXED),  # by the ARN the name gives: the request-id tag is this event's
                    op("stop", FIXED),
                ),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{FIXED}'", "was stopped"),
            ),
        ),
        started=(FIXED,),
    ),
    Row(
        "create-answer-lost-job-recognised-as-its-own",
        (
            Step(
                "on_event",
                event("Create", FIXED_PROPS),
                (
                    op("create_lost", FIXED),
                    op("create_exists", FIXED),
                    op("describe", FIXED, "InProgress"),
                    op("list_tags", FIXED),
                ),
                ok(
                    PhysicalResourceId=FIXED,
                    SageMakerHpoState={"startedJob": "true", "waitStartedAt": repr(NOW.timestamp())},
                ),
            ),
        ),
        owned=frozenset({FIXED}),
        started=(FIXED,),
    ),
    Row(
        "create-never-answered-job-found-and-stopped",
        (
            Step(
                "on_event",
                event("Create", FIXED_PROPS),
                (
                    op("create_lost", FIXED),
                    op("create_faults", FIXED, [ReadTimeoutError(endpoint_url=URL)] * (ATTEMPTS - 1)),
                    op("describe", FIXED, "InProgress"),
                    op("list_tags", FIXED),
                    op("stop", FIXED),
                ),
                fails("ReadTimeoutError", "was stopped"),
            ),
        ),
        started=(FIXED,),
    ),
    Row(
        "update-answer-lost-then-describe-fails-new-job-stopped",
        (
            Step(
                "on_event",
                event("Update", B_PROPS, old=A_PROPS, physical_id=A),
                (
                    op("create_lost", B, B_REQUEST),
                    op("create_exists", B, B_REQUEST),
                    op("describe_faults", B, [THROTTLE] * ATTEMPTS),
                    op("list_tags", B),
                    op("stop", B),
                ),
                fails(f"DescribeHyperParameterTuningJob failed for tuning job '{B}'", "was stopped"),
            ),
            # The failed update reported the old id: the rollback finds B stopping, keeps A and starts nothing.
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (op("describe", B, "Stopping"), op("describe", A, "InProgress")),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST),),
        started=(B,),
    ),
    Row(
        "update-event-over-waiter-input-limit-starts-nothing",
        (
            Step(
                "on_event",
                event(
                    "Update",
                    properties(B_BIG_REQUEST, wait=True),
                    old=properties(A_BIG_REQUEST, wait=True),
                    physical_id=A_BIG,
                ),
                (),
                fails("262144-byte", "Nothing was started"),
            ),
        ),
        owned=frozenset({A_BIG}),
        seeded=((A_BIG, "InProgress", A_BIG_REQUEST),),
    ),
    # ---- issue 10: waiting, handler-side updates, fixed names ------------------------------------------------------
    Row(
        "update-turns-on-wait-for-long-running-job-never-stops-it",
        (
            Step(
                "on_event",
                event("Update", A_WAIT, old=A_PROPS, physical_id=A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=FIVE_HOURS)),),
                ok(PhysicalResourceId=A),
            ),
            Step(
                "is_complete",
                event("Update", A_WAIT, old=A_PROPS, physical_id=A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=FIVE_HOURS)),),
                ok(IsComplete=False),
                after_on_event=True,
                clock=60,
            ),
            Step(
                "is_complete",
                event("Update", A_WAIT, old=A_PROPS, physical_id=A),
                (op("describe", A, "InProgress", created=NOW - timedelta(seconds=FIVE_HOURS)),),
                fails(
                    f"Tuning job '{A}' is still InProgress after this deployment waited 1800 s", "It was not stopped"
                ),
                after_on_event=True,
                clock=1800,
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
        still_running=frozenset({A}),
    ),
    Row(
        "update-of-handler-settings-never-recreates-a-deleted-job",
        (
            Step(
                "on_event",
                event("Update", properties(A_REQUEST, wait=True, timeout=1200), old=A_WAIT, physical_id=A),
                (
                    op(
                        "describe_error",
                        A,
                        "ResourceNotFound",
                        f"Amazon SageMaker can't find a tuning job with name {A}",
                    ),
                ),
                ok(PhysicalResourceId=A, Data={"TuningJobName": A, "TuningJobArn": job_arn(A)}),
            ),
        ),
    ),
    Row(
        "fixed-name-tags-only-update-refused",
        (
            Step(
                "on_event",
                event("Update", properties(A_TAGGED_REQUEST, name=FIXED), old=FIXED_PROPS, physical_id=FIXED),
                (op("describe", FIXED, "InProgress"), op("list_tags", FIXED)),
                fails(f"Tuning job '{FIXED}' cannot be updated in place", "its tags included"),
            ),
        ),
        owned=frozenset({FIXED}),
        seeded=((FIXED, "InProgress", A_REQUEST),),
    ),
    # ---- issue 16: owner checks that fail closed ---------------------------------------------------------------
    Row(
        "lost-create-answer-then-throttled-list-tags-leaves-another-stacks-job-running",
        (
            # The first create's answer is lost (the name was taken: it did nothing), the retry sees ResourceInUse,
            # and ListTags is throttled on every request: the owner is unknown, so the job is neither adopted nor
            # stopped (it is another stack's).
            Step(
                "on_event",
                event("Create", SHARED_PROPS),
                (
                    op("create_faults", SHARED, [ReadTimeoutError(endpoint_url=URL)]),
                    op("create_exists", SHARED),
                    op("describe", SHARED, "InProgress"),
                    op("list_tags_faults", SHARED, [THROTTLE] * ATTEMPTS),
                ),
                fails(
                    f"'{SHARED}' {UNCONFIRMED}",
                    "ThrottlingException",
                    "left untouched: neither adopted nor stopped",
                    "sagemaker-hpo:cfn-request-id",
                ),
            ),
        ),
        seeded=((SHARED, "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({SHARED}),
    ),
    Row(
        "lost-create-answer-describe-throttled-list-tags-denied-leaves-job-untouched",
        (
            Step(
                "on_event",
                event("Create", SHARED_PROPS),
                (
                    op("create_faults", SHARED, [ReadTimeoutError(endpoint_url=URL)]),
                    op("create_exists", SHARED),
                    op("describe_faults", SHARED, [THROTTLE] * ATTEMPTS),
                    op("list_tags_faults", SHARED, [("AccessDeniedException", 400)]),
                ),
                fails(f"'{SHARED}' {UNCONFIRMED}", "ThrottlingException", "neither adopted nor stopped"),
            ),
        ),
        seeded=((SHARED, "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({SHARED}),
    ),
    Row(
        "lost-create-answer-describe-lag-leaves-job-untouched",
        (
            # ResourceInUse says the job exists; describe keeps answering "not found" through the whole lag wait and
            # ListTags finds nothing either: unconfirmed, so untouched.
            Step(
                "on_event",
                event("Create", SHARED_PROPS),
                (
                    op("create_faults", SHARED, [ReadTimeoutError(endpoint_url=URL)]),
                    op("create_exists", SHARED),
                    op("describe_lag", SHARED, LAG_SLEEPS + 1),
                    op("list_tags_faults", SHARED, [("ResourceNotFound", 400)]),
                ),
                fails(f"'{SHARED}' {UNCONFIRMED}", "ResourceNotFound", "neither adopted nor stopped"),
            ),
        ),
        seeded=((SHARED, "InProgress", A_REQUEST, FOREIGN_TAGS),),
        still_running=frozenset({SHARED}),
        retries=1 + LAG_SLEEPS,
    ),
    Row(
        "update-answer-lost-owner-unconfirmed-then-rollback-stops-new-job",
        (
            # This Update's own job B, but its tags cannot be read: B is left running and the Update fails ...
            Step(
                "on_event",
                event("Update", B_PROPS, old=A_PROPS, physical_id=A),
                (
                    op("create_lost", B, B_REQUEST),
                    op("create_exists", B, B_REQUEST),
                    op("describe", B, "InProgress"),
                    op("list_tags_faults", B, [THROTTLE] * ATTEMPTS),
                ),
                fails(f"'{B}' {UNCONFIRMED}", "neither adopted nor stopped", "The rollback of a failed Update stops"),
            ),
            # ... with the old id; the rollback (old properties, the failed Update's as "old") finds B by the name
            # its properties give, confirms it by its tags and request hash, stops it and keeps A.
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (
                    op("describe", B, "InProgress"),
                    op("list_tags", B),
                    op("stop", B),
                    op("describe", A, "InProgress"),
                ),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST),),
        started=(B,),
    ),
    Row(
        "update-answer-never-reached-cloudformation-rollback-stops-new-job",
        (
            # The Update created B and its function then ran out of time: CloudFormation got FAILED with the old id
            # and rolls back; B's name follows from the rollback's OldResourceProperties.
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (
                    op("describe", B, "InProgress"),
                    op("list_tags", B),
                    op("stop", B),
                    op("describe", A, "InProgress"),
                ),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST), (B, "InProgress", B_REQUEST, B_LOST_TAGS)),
    ),
    Row(
        "rollback-leaves-another-stacks-job-under-the-failed-name-running",
        (
            Step(
                "on_event",
                event("Update", FIXED_PROPS, old=properties(B_REQUEST, name=SHARED), physical_id=FIXED),
                (
                    op("describe", SHARED, "InProgress"),
                    op("list_tags", SHARED),
                    op("describe", FIXED, "InProgress"),
                    op("list_tags", FIXED),
                ),
                ok(PhysicalResourceId=FIXED),
            ),
        ),
        owned=frozenset({FIXED}),
        seeded=((FIXED, "InProgress", A_REQUEST), (SHARED, "InProgress", B_REQUEST, FOREIGN_TAGS)),
        still_running=frozenset({SHARED}),
    ),
    Row(
        "rollback-with-unreadable-owner-tags-leaves-new-job-running",
        (
            # The owner check of the job the failed Update started fails: it is not stopped, and the rollback itself
            # still succeeds (the reason is logged).
            Step(
                "on_event",
                event("Update", A_PROPS, old=B_PROPS, physical_id=A),
                (
                    op("describe", B, "InProgress"),
                    op("list_tags_faults", B, [("AccessDeniedException", 400)]),
                    op("describe", A, "InProgress"),
                ),
                ok(PhysicalResourceId=A),
            ),
        ),
        owned=frozenset({A}),
        seeded=((A, "InProgress", A_REQUEST), (B, "InProgress", B_REQUEST, B_LOST_TAGS)),
        still_running=frozenset({B}),
    ),
    Row(
        "create-5xx-on-every-attempt-job-visible-late-is-stopped",
        (
            # The first create started the job; every answer is a 500; describe sees the job only after 4 "not
            # found": the handler waits out the lag, reads the tags (this event's request id) and stops it.
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op("create_lost", A, None, ("InternalFailure", 500)),
                    op("create_faults", A, [("InternalFailure", 500)] * (ATTEMPTS - 1)),
                    op("describe_lag", A, 4),
                    op("describe", A, "InProgress"),
                    op("list_tags", A),
                    op("stop", A),
                ),
                fails("InternalFailure", f"gave up after {ATTEMPTS} attempts", f"Tuning job '{A}' was stopped"),
            ),
        ),
        started=(A,),
        retries=(ATTEMPTS - 1) + 4,
    ),
    Row(
        "create-5xx-on-every-attempt-nothing-created-after-describe-lag",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (
                    op("create_faults", A, [("InternalFailure", 500)] * ATTEMPTS),
                    op("describe_lag", A, LAG_SLEEPS + 1),
                ),
                fails("InternalFailure", f"Tuning job '{A}' was not found", "so it was not created"),
            ),
        ),
        retries=(ATTEMPTS - 1) + LAG_SLEEPS,
        max_delay=ORPHANS.VISIBILITY_WAIT_SECONDS,
    ),
    Row(
        "create-unanswered-describe-lag-wait-ends-before-the-lambda-deadline",
        (
            # 4 s more than one call needs: after pauses of 1 and 2 s, a 4 s pause and one more call would not fit.
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create_faults", A, [("InternalFailure", 500)] * ATTEMPTS), op("describe_lag", A, 3)),
                fails("InternalFailure", "was not found"),
                remaining=ONE_CALL + 4,
            ),
        ),
        retries=(ATTEMPTS - 1) + 2,
    ),
    Row(
        "re-added-resource-does-not-adopt-its-stopped-job",
        (
            Step("on_event", event("Create", A_PROPS), create_ok(A), ok(PhysicalResourceId=A)),
            # The resource is removed from the stack: its Delete stops the job.
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"), op("list_tags", A), op("stop", A)),
                ok(PhysicalResourceId=A),
            ),
            # Added again with the same request: same name, a job that will never run again.
            Step(
                "on_event",
                event("Create", A_PROPS),
                (op("create_exists", A), op("describe", A, "Stopping"), op("list_tags", A)),
                fails(
                    f"Tuning job '{A}' for this configuration already exists",
                    "no longer running (status Stopping)",
                    "it was not adopted",
                    "change any property of the TuningJob (a tag, for example)",
                ),
            ),
        ),
        started=(A,),
    ),
    Row(
        "delete-with-owner-tags-unreadable-fails-without-stop",
        (
            # Delete too stops only a confirmed job: ListTags throttled on every request fails the Delete (so the
            # resource and its job stay with the stack, and CloudFormation may retry) without a Stop.
            Step(
                "on_event",
                event("Delete", A_PROPS, physical_id=A),
                (op("describe", A, "InProgress"), op("list_tags_faults", A, [THROTTLE] * ATTEMPTS)),
                fails(f"ListTags failed for tuning job '{A}'", "ThrottlingException"),
            ),
        ),
        seeded=((A, "InProgress", A_REQUEST),),
        still_running=frozenset({A}),
    ),
    Row(
        "create-with-less-time-left-than-one-call-starts-nothing",
        (
            Step(
                "on_event",
                event("Create", A_PROPS),
                (),
                fails("less than one SageMaker call may take", "Nothing was started"),
                remaining=ONE_CALL - 1,
            ),
        ),
    ),
]


@pytest.fixture
def script() -> Iterator[SageMakerScript]:
    with stubbed_handler(HANDLER) as plan:
        yield plan


def run_step(script: SageMakerScript, step: Step, previous: dict[str, Any]) -> dict[str, Any]:
    for method, args, kwargs in step.plan:
        getattr(script, method)(*args, **kwargs)
    HANDLER.set_clock(lambda: NOW.timestamp() + step.clock)
    entry = getattr(HANDLER, step.handler)
    evt = after_on_event(step.event, previous) if step.after_on_event else step.event
    context = None
    if step.remaining is not None:
        start, slept = step.remaining, len(script.sleeps.delays)
        context = SimpleNamespace(
            get_remaining_time_in_millis=lambda: int((start - sum(script.sleeps.delays[slept:])) * 1000)
        )
    if isinstance(step.outcome, Fails):
        with pytest.raises(HANDLER.HandlerError) as raised:
            entry(evt, context)
        for fragment in step.outcome.fragments:
            assert fragment in str(raised.value), f"{fragment!r} not in {str(raised.value)!r}"
        return previous
    result: dict[str, Any] = entry(evt, context)
    for key, value in step.outcome.expected.items():
        assert result.get(key) == value, f"{key}: {result.get(key)!r} != {value!r}"
    if step.handler == "is_complete" and result.get("IsComplete") is False:
        assert "Data" not in result
    return result if step.handler == "on_event" else previous


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_fault_matrix(script: SageMakerScript, row: Row) -> None:
    if row.jitter is not None:
        HANDLER.set_jitter(lambda: row.jitter)
    for name, status, request, *tags in row.seeded:
        script.seed(name, status, request, *tags)
    previous: dict[str, Any] = {}
    for step in row.steps:
        previous = run_step(script, step, previous)
    script.assert_done(owned=row.owned | row.still_running)
    assert row.still_running <= script.running(), f"stopped a job it does not own: {script.jobs}"
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
    doc = (ROOT / "docs" / "reliability.md").read_text()
    listed = re.findall(r"`tests/handlers/tuning_job/test_fault_matrix\.py::test_fault_matrix\[([a-z0-9-]+)\]`", doc)
    assert listed == [row.id for row in ROWS]


def test_reliability_doc_cites_existing_tests() -> None:
    """Every test docs/reliability.md names exists, and the retry numbers it states are the handler's."""
    doc = (ROOT / "docs" / "reliability.md").read_text()
    cited = set(re.findall(r"`(tests/[a-z_/]+\.py)::([A-Za-z_][A-Za-z0-9_]*)", doc))
    assert len(cited) > 30
    for path, name in sorted(cited):
        source = (ROOT / path).read_text()
        assert re.search(rf"^(def|class) {name}\b", source, re.MULTILINE), f"{path}::{name} is cited but missing"
    assert f"at most {SAGEMAKER.CLIENT_MAX_ATTEMPTS} HTTP requests per" in doc
    assert f"sleeps at most {SAGEMAKER.MAX_BACKOFF_SECONDS:.0f} s" in doc
    assert f"makes exactly {SAGEMAKER.CLIENT_MAX_ATTEMPTS} requests" in doc
    flat = " ".join(doc.split())
    assert f"(at most {ORPHANS.VISIBILITY_WAIT_SECONDS:.0f} s in all)" in flat
    assert f"less a {RUNTIME.DEADLINE_MARGIN_SECONDS:.0f} s margin" in flat
    assert f"at its slowest ({SAGEMAKER.CALL_WORST_CASE_SECONDS:.0f} s:" in flat
