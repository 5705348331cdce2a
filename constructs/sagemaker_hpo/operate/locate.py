"""The name of a deployed tuning job, from a synthesized assembly (``--app cdk.out --job Stack/Path``).

The job is chosen the dry run's way (:meth:`sagemaker_hpo.dryrun.assembly.Assembly.select`). A job with a fixed
``TuningJobName`` property is named by its template; otherwise SageMaker's generated name is the custom resource's
physical id, read with CloudFormation ``DescribeStackResource`` from the deployed stack (its ``stackName`` and
region in the assembly's manifest).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagemaker_hpo.dryrun.assembly import AssemblyError, read_assembly
from sagemaker_hpo.handlers.tuning_job import contract

from .client import Clients, call
from .errors import EXIT_USAGE, OperateError

_JOB_NAME = re.compile(contract.JOB_NAME_PATTERN)
_ENVIRONMENT = re.compile(r"^aws://(?P<account>[^/]+)/(?P<region>[^/]+)$")
UNKNOWN_REGION = "unknown-region"


@dataclass(frozen=True)
class StackArtifact:
    """A stack of the assembly: its artifact id, deployed name, region (None when environment-agnostic) and template."""

    artifact_id: str
    stack_name: str
    region: str | None
    template: Path


@dataclass(frozen=True)
class LocatedJob:
    """A job of the assembly and where it is deployed.

    :param path: its construct path.
    :param stack_name: the deployed stack's name.
    :param logical_id: the custom resource's logical id.
    :param region: the stack's region; None when the stack is environment-agnostic.
    :param fixed_name: the job's ``TuningJobName`` when the template fixes it. Default: None.
    """

    path: str
    stack_name: str
    logical_id: str
    region: str | None
    fixed_name: str | None = None


def stack_artifacts(directory: Path) -> Iterator[StackArtifact]:
    """Every stack of the assembly at ``directory`` (nested assemblies of Stages included)."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AssemblyError(f"{directory} is not a cloud assembly: {error}") from None
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack":
            match = _ENVIRONMENT.match(str(artifact.get("environment", "")))
            region = match.group("region") if match and match.group("region") != UNKNOWN_REGION else None
            yield StackArtifact(
                artifact_id,
                str(properties.get("stackName") or artifact_id),
                region,
                directory / properties["templateFile"],
            )
        elif artifact.get("type") == "cdk:cloud-assembly":
            yield from stack_artifacts(directory / properties["directoryName"])


def locate(app: Path, selector: str | None) -> LocatedJob:
    """The job ``selector`` names in the assembly at ``app`` (raises :class:`OperateError` when it cannot)."""
    try:
        job = read_assembly(app).select(selector)
        stack = next((s for s in stack_artifacts(app) if s.artifact_id == job.stack), None)
        if stack is None:
            raise AssemblyError(f"stack {job.stack} of {job.path} is not in {app / 'manifest.json'}")
        template: dict[str, Any] = json.loads(stack.template.read_text(encoding="utf-8"))
    except (AssemblyError, OSError, json.JSONDecodeError) as error:
        raise OperateError(str(error), EXIT_USAGE) from None
    properties = template.get("Resources", {}).get(job.logical_id, {}).get("Properties", {})
    fixed = properties.get(contract.PROP_TUNING_JOB_NAME)
    return LocatedJob(
        path=job.path,
        stack_name=stack.stack_name,
        logical_id=job.logical_id,
        region=stack.region,
        fixed_name=fixed if isinstance(fixed, str) else None,
    )


def deployed_name(located: LocatedJob, clients: Clients) -> str:
    """The tuning job's name: the fixed one, or the physical id of the deployed custom resource."""
    if located.fixed_name is not None:
        return located.fixed_name
    response = call(
        clients.cloudformation(),
        "DescribeStackResource",
        f"{located.stack_name}/{located.logical_id}",
        StackName=located.stack_name,
        LogicalResourceId=located.logical_id,
    )
    detail = response.get("StackResourceDetail") or {}
    physical = str(detail.get("PhysicalResourceId") or "")
    if not _JOB_NAME.match(physical):
        status = detail.get("ResourceStatus", "unknown")
        reason = detail.get("ResourceStatusReason")
        raise OperateError(
            f"{located.path} in stack {located.stack_name} has no tuning job yet (resource status {status}"
            + (f": {reason}" if reason else "")
            + ")",
            EXIT_USAGE,
        )
    return physical
