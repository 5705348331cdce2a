"""Isolation under a real IAM policy evaluator (``@cloud-copilot/iam-simulate``, see ``tests/iam_evaluator.py``).

Two apps, each synthesized once: the default app (``stacks/app.py``: a platform with the teams ``vision`` and
``research``) and a platform with every guardrail on (VPC, KMS, network isolation, inter-container encryption,
required tags, instance types, runtime) whose teams deploy with their own CloudFormation execution roles (the
team's ``cfn_execution_policy``). Every case states its expected decision; all cases of an app are evaluated in one
batch. A policy change that opens a hole (or closes a compliant path) fails the case by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from sagemaker_hpo import (
    Bayesian,
    Guardrails,
    HpoPlatform,
    InstanceConfig,
    Objective,
    Team,
    TrainingImage,
    TuningDefinition,
    TuningJob,
    TuningJobProvider,
)
from sagemaker_hpo._contract import contract
from sagemaker_hpo.guardrails import CREATE_ACTION
from sagemaker_hpo.instance_choices import instance_choices, resource_structure
from sagemaker_hpo.instance_storage import LOCAL_STORAGE_INSTANCE_PATTERNS
from stacks.platform_stack import HpoPlatformStack
from tests.construct_support import XGB_RANGES, job, training
from tests.iam_evaluator import ACCOUNT, REGION, Decision, PolicyModel, Request, evaluate
from tests.platform_apps import default_app
from tests.template_checks import new_app, synth_templates

ALLOWED = Decision.ALLOWED
DENIED = Decision.EXPLICITLY_DENIED  # an explicit Deny statement decides
NOT_ALLOWED = Decision.IMPLICITLY_DENIED  # no Allow covers it
TEAM_TAG = contract.OWNER_TAG_TEAM
S3_VIA = f"s3.{REGION}.amazonaws.com"


@dataclass(frozen=True)
class World:
    """Concrete ARNs of one synthesized platform, for writing requests."""

    model: PolicyModel
    platform: HpoPlatform
    exec_roles: dict[str, str]
    #: The keys a compliant create carries on this platform besides the owner tags (its guardrails' keys).
    compliant: Callable[[World, str | None], dict[str, Any]] = lambda w, team: {}

    def team(self, name: str) -> Team:
        return self.platform.teams[name]

    def role(self, team: str | None) -> str:
        return self.model.arn(self.platform.training_role if team is None else self.team(team).training_role)

    def handler(self, team: str | None) -> str:
        provider = self.platform.provider if team is None else self.team(team).provider
        return self.model.arn(provider.handler_role)

    def prefix(self, team: str | None) -> str:
        return self.platform.provider.name_prefix if team is None else self.team(team).name_prefix

    def job(self, team: str | None, suffix: str = "abc123") -> str:
        return PolicyModel.sagemaker_arn("hyper-parameter-tuning-job", f"{self.prefix(team)}-{suffix}")

    def data(self, key: str = "") -> str:
        return f"{self.model.arn(self.platform.data_bucket)}{'/' + key if key else ''}"

    def artifacts(self, key: str = "") -> str:
        return f"{self.model.arn(self.platform.artifacts_bucket)}{'/' + key if key else ''}"

    @property
    def key(self) -> str:
        return self.model.arn(self.platform.key)

    def volume_key(self, team: str) -> str:
        return self.model.arn(self.team(team).volume_key)

    def stream(self, job_name: str) -> str:
        group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs"
        return f"{group}:log-stream:{job_name}-001-0a1b2c3d/algo-1-1700000000"

    def token(self, team: str | None) -> str:
        provider = self.platform.provider if team is None else self.team(team).provider
        return str(self.model.value(self.platform, provider.service_token))

    def parameter(self, name: str) -> str:
        return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"

    def bootstrap_role(self, qualifier: str, kind: str = "deploy-role") -> str:
        return PolicyModel.role_arn(f"cdk-{qualifier}-{kind}-{ACCOUNT}-{REGION}")

    def create_context(self, team: str | None, **overrides: Any) -> dict[str, Any]:
        """A compliant create of ``team``'s provider: owner tags, team tag and the app's guardrail keys."""
        context: dict[str, Any] = {
            f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": self.prefix(team),
            f"aws:RequestTag/{contract.OWNER_TAG_KEYS[1]}": "arn:aws:cloudformation:stack/x",
            f"aws:RequestTag/{contract.OWNER_TAG_KEYS[2]}": "Job",
            "sagemaker:InstanceTypes": ["ml.m5.xlarge"],
            "sagemaker:MaxRuntimeInSeconds": "3600",
        }
        if team is not None:
            context[f"aws:RequestTag/{TEAM_TAG}"] = team
        context.update(self.compliant(self, team))
        context.update(overrides)
        return {k: v for k, v in context.items() if v is not None}

    def create(self, team: str | None, *, by: str | None = "same", **overrides: Any) -> Request:
        handler = self.handler(team if by == "same" else by)
        return Request(
            principal=handler,
            action="sagemaker:CreateHyperParameterTuningJob",
            resource=self.job(team),
            context=self.create_context(team, **overrides),
        )


#: A case: its expected decision and the request, built from a ``World``.
Case = tuple[Decision, Callable[[World], Request]]


def _list(principal: Callable[[World], str], bucket: str, prefix: str | None) -> Callable[[World], Request]:
    def build(w: World) -> Request:
        context = {} if prefix is None else {"s3:prefix": prefix}
        arn = w.data() if bucket == "data" else w.artifacts()
        return Request(principal=principal(w), action="s3:ListBucket", resource=arn, context=context)

    return build


def _s3(principal: Callable[[World], str], action: str, where: Callable[[World], str]) -> Callable[[World], Request]:
    return lambda w: Request(principal=principal(w), action=action, resource=where(w))


def _kms(principal: Callable[[World], str], action: str, key: Callable[[World], str], object_arn: Callable[[World], str] | None) -> Callable[[World], Request]:  # fmt: skip
    def build(w: World) -> Request:
        context: dict[str, Any] = {}
        if object_arn is not None:
            context = {"kms:ViaService": S3_VIA, "kms:EncryptionContext:aws:s3:arn": object_arn(w)}
        return Request(principal=principal(w), action=action, resource=key(w), context=context)

    return build


def _role(team: str | None) -> Callable[[World], str]:
    return lambda w: w.role(team)


def _handler(team: str | None) -> Callable[[World], str]:
    return lambda w: w.handler(team)


VISION, RESEARCH = _role("vision"), _role("research")
SHARED = _role(None)

#: Cases that hold on any platform with the teams ``vision`` and ``research``.
COMMON_CASES: dict[str, Case] = {
    # -- reads, writes, listing -------------------------------------------------------------------------------------
    "vision reads its data": (ALLOWED, _s3(VISION, "s3:GetObject", lambda w: w.data("teams/vision/train/a.csv"))),
    "vision reads research data": (NOT_ALLOWED, _s3(VISION, "s3:GetObject", lambda w: w.data("teams/research/a"))),
    "vision reads shared data": (NOT_ALLOWED, _s3(VISION, "s3:GetObject", lambda w: w.data("xgb/train/a.csv"))),
    "vision writes its output": (
        ALLOWED,
        _s3(VISION, "s3:PutObject", lambda w: w.artifacts("output/teams/vision/job/model.tar.gz")),
    ),
    "vision writes research output": (
        NOT_ALLOWED,
        _s3(VISION, "s3:PutObject", lambda w: w.artifacts("output/teams/research/job/model.tar.gz")),
    ),
    "vision writes research checkpoints": (
        NOT_ALLOWED,
        _s3(VISION, "s3:PutObject", lambda w: w.artifacts("checkpoints/teams/research/c.pt")),
    ),
    "research reads vision checkpoints": (
        NOT_ALLOWED,
        _s3(RESEARCH, "s3:GetObject", lambda w: w.artifacts("checkpoints/teams/vision/c.pt")),
    ),
    "vision lists its data": (ALLOWED, _list(VISION, "data", "teams/vision/train/")),
    "vision lists every team": (NOT_ALLOWED, _list(VISION, "data", "teams/")),
    "vision lists research data": (NOT_ALLOWED, _list(VISION, "data", "teams/research/")),
    "vision lists without prefix": (NOT_ALLOWED, _list(VISION, "data", None)),
    "vision lists its output": (ALLOWED, _list(VISION, "artifacts", "output/teams/vision/")),
    "vision lists research output": (NOT_ALLOWED, _list(VISION, "artifacts", "output/teams/research/")),
    "shared reads team data": (DENIED, _s3(SHARED, "s3:GetObject", lambda w: w.data("teams/vision/a.csv"))),
    "shared writes team output": (
        DENIED,
        _s3(SHARED, "s3:PutObject", lambda w: w.artifacts("output/teams/vision/model.tar.gz")),
    ),
    "shared reads its data": (ALLOWED, _s3(SHARED, "s3:GetObject", lambda w: w.data("xgb/train/a.csv"))),
    "shared lists its data": (ALLOWED, _list(SHARED, "data", "xgb/train/")),
    "shared lists 'teams/vision/'": (DENIED, _list(SHARED, "data", "teams/vision/")),
    "shared lists 'teams/'": (DENIED, _list(SHARED, "data", "teams/")),
    "shared lists 'team'": (DENIED, _list(SHARED, "data", "team")),
    "shared lists 't'": (DENIED, _list(SHARED, "data", "t")),
    "shared lists without prefix": (DENIED, _list(SHARED, "data", None)),
    "shared lists 'train/' (not a team prefix)": (ALLOWED, _list(SHARED, "data", "train/")),
    "shared lists 'output/'": (DENIED, _list(SHARED, "artifacts", "output/")),
    "shared lists 'output/t'": (DENIED, _list(SHARED, "artifacts", "output/t")),
    "shared lists 'output/teams/vision/'": (DENIED, _list(SHARED, "artifacts", "output/teams/vision/")),
    "shared lists 'checkpoints/team'": (DENIED, _list(SHARED, "artifacts", "checkpoints/team")),
    "shared lists its output": (ALLOWED, _list(SHARED, "artifacts", "output/xgb/")),
    "shared lists artifacts without prefix": (DENIED, _list(SHARED, "artifacts", None)),
    # -- logs -------------------------------------------------------------------------------------------------------
    "vision writes its job's log stream": (
        ALLOWED,
        lambda w: Request(
            principal=w.role("vision"), action="logs:PutLogEvents", resource=w.stream(f"{w.prefix('vision')}-abc")
        ),
    ),
    "vision writes research's log stream": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.role("vision"), action="logs:PutLogEvents", resource=w.stream(f"{w.prefix('research')}-abc")
        ),
    ),
    "vision creates a stream in research's name": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.role("vision"),
            action="logs:CreateLogStream",
            resource=w.stream(f"{w.prefix('research')}-abc"),
        ),
    ),
    "shared writes vision's log stream": (
        DENIED,
        lambda w: Request(
            principal=w.role(None), action="logs:PutLogEvents", resource=w.stream(f"{w.prefix('vision')}-abc")
        ),
    ),
    "shared writes its own log stream": (
        ALLOWED,
        lambda w: Request(principal=w.role(None), action="logs:PutLogEvents", resource=w.stream("otherstack1a2b-x")),
    ),
    # -- KMS --------------------------------------------------------------------------------------------------------
    # S3 Bucket Keys: S3 asks KMS with the bucket's ARN as context (the object's ARN without a Bucket Key).
    "vision decrypts through S3 (Bucket Key)": (
        ALLOWED,
        _kms(VISION, "kms:Decrypt", lambda w: w.key, lambda w: w.data()),
    ),
    "vision encrypts its output through S3 (Bucket Key)": (
        ALLOWED,
        _kms(VISION, "kms:GenerateDataKey", lambda w: w.key, lambda w: w.artifacts()),
    ),
    "vision decrypts its object through S3 (no Bucket Key)": (
        ALLOWED,
        _kms(VISION, "kms:Decrypt", lambda w: w.key, lambda w: w.data("teams/vision/a.csv")),
    ),
    "vision decrypts research's object through S3 (no Bucket Key)": (
        DENIED,
        _kms(VISION, "kms:Decrypt", lambda w: w.key, lambda w: w.data("teams/research/a.csv")),
    ),
    "vision decrypts another bucket's object with the bucket key": (
        DENIED,
        _kms(VISION, "kms:Decrypt", lambda w: w.key, lambda w: "arn:aws:s3:::another-bucket"),
    ),
    "vision decrypts the bucket key directly": (DENIED, _kms(VISION, "kms:Decrypt", lambda w: w.key, None)),
    "vision grants on the bucket key": (DENIED, _kms(VISION, "kms:CreateGrant", lambda w: w.key, None)),
    "vision grants on its volume key": (
        ALLOWED,
        _kms(VISION, "kms:CreateGrant", lambda w: w.volume_key("vision"), None),
    ),
    "research grants on vision's volume key": (
        NOT_ALLOWED,
        _kms(RESEARCH, "kms:CreateGrant", lambda w: w.volume_key("vision"), None),
    ),
    "research decrypts with vision's volume key": (
        NOT_ALLOWED,
        _kms(RESEARCH, "kms:Decrypt", lambda w: w.volume_key("vision"), None),
    ),
    # -- create, stop, tag ------------------------------------------------------------------------------------------
    "vision creates its job": (ALLOWED, lambda w: w.create("vision")),
    "vision creates a job tagged research": (
        DENIED,
        lambda w: w.create("vision", **{f"aws:RequestTag/{TEAM_TAG}": "research"}),
    ),
    "vision creates a job without team tag": (
        DENIED,
        lambda w: w.create("vision", **{f"aws:RequestTag/{TEAM_TAG}": None}),
    ),  # fmt: skip
    "vision creates a job with research's prefix": (
        NOT_ALLOWED,
        lambda w: w.create(
            "research",
            by="vision",
            **{
                f"aws:RequestTag/{TEAM_TAG}": "vision",
                f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
                "aws:RequestTag/cost-center": "cc-1",
            },
        ),
    ),
    "vision creates without its owner tag": (
        NOT_ALLOWED,
        lambda w: w.create("vision", **{f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": "otherprefix"}),
    ),
    "vision stops its job": (
        ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:StopHyperParameterTuningJob",
            resource=w.job("vision"),
            context={
                f"aws:ResourceTag/{TEAM_TAG}": "vision",
                f"aws:ResourceTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
            },
        ),
    ),
    "vision stops a job of its prefix tagged research": (
        DENIED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:StopHyperParameterTuningJob",
            resource=w.job("vision"),
            context={
                f"aws:ResourceTag/{TEAM_TAG}": "research",
                f"aws:ResourceTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
            },
        ),
    ),
    "vision stops research's job": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:StopHyperParameterTuningJob",
            resource=w.job("research"),
            context={
                f"aws:ResourceTag/{TEAM_TAG}": "vision",
                f"aws:ResourceTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
            },
        ),
    ),
    "vision tags while creating": (
        ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:AddTags",
            resource=w.job("vision"),
            context={
                "sagemaker:TaggingAction": "CreateHyperParameterTuningJob",
                f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
                f"aws:RequestTag/{TEAM_TAG}": "vision",
            },
        ),
    ),
    "vision re-tags its job to research": (
        DENIED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:AddTags",
            resource=w.job("vision"),
            context={
                "sagemaker:TaggingAction": "CreateHyperParameterTuningJob",
                f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision"),
                f"aws:RequestTag/{TEAM_TAG}": "research",
            },
        ),
    ),
    "vision tags an existing job": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="sagemaker:AddTags",
            resource=w.job("vision"),
            context={f"aws:RequestTag/{contract.OWNER_TAG_PROVIDER}": w.prefix("vision")},
        ),
    ),
    "the shared provider creates a job on a platform with teams": (DENIED, lambda w: w.create(None)),
    # -- PassRole ---------------------------------------------------------------------------------------------------
    "vision passes its role to SageMaker": (
        ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="iam:PassRole",
            resource=w.role("vision"),
            context={"iam:PassedToService": "sagemaker.amazonaws.com"},
        ),
    ),
    "vision passes its role to EC2": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="iam:PassRole",
            resource=w.role("vision"),
            context={"iam:PassedToService": "ec2.amazonaws.com"},
        ),
    ),
    "vision passes research's role": (
        DENIED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="iam:PassRole",
            resource=w.role("research"),
            context={"iam:PassedToService": "sagemaker.amazonaws.com"},
        ),
    ),
    "vision passes the shared role": (
        DENIED,
        lambda w: Request(
            principal=w.handler("vision"),
            action="iam:PassRole",
            resource=w.role(None),
            context={"iam:PassedToService": "sagemaker.amazonaws.com"},
        ),
    ),
    # -- the deploy boundary ----------------------------------------------------------------------------------------
    "vision's stacks invoke vision's provider": (
        ALLOWED,
        lambda w: Request(principal=w.exec_roles["vision"], action="lambda:InvokeFunction", resource=w.token("vision")),
    ),
    "vision's stacks invoke research's provider": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"], action="lambda:InvokeFunction", resource=w.token("research")
        ),
    ),
    "vision's stacks invoke the shared provider": (
        NOT_ALLOWED,
        lambda w: Request(principal=w.exec_roles["vision"], action="lambda:InvokeFunction", resource=w.token(None)),
    ),
    "vision's stacks read vision's parameters": (
        ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"],
            action="ssm:GetParameters",
            resource=w.parameter(f"{w.team('vision').namespace}training-role-arn"),
        ),
    ),
    "vision's stacks read the platform's key parameter": (
        ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"],
            action="ssm:GetParameters",
            resource=w.parameter(w.platform.parameter_name("key-arn")),
        ),
    ),
    "vision's stacks read research's parameters": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"],
            action="ssm:GetParameters",
            resource=w.parameter(f"{w.team('research').namespace}provider-service-token"),
        ),
    ),
    "vision's stacks read the shared provider's token": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"],
            action="ssm:GetParameters",
            resource=w.parameter(w.platform.parameter_name("provider-service-token")),
        ),
    ),
    "vision's stacks read their bootstrap version": (
        ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"],
            action="ssm:GetParameters",
            resource=w.parameter(f"/cdk-bootstrap/{w.team('vision').qualifier}/version"),
        ),
    ),
    "vision's stacks create a role": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision"], action="iam:CreateRole", resource=PolicyModel.role_arn("anything")
        ),
    ),
    "vision's people assume vision's deploy role": (
        ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision-people"],
            action="sts:AssumeRole",
            resource=w.bootstrap_role(w.team("vision").qualifier),
        ),
    ),
    "vision's people assume research's deploy role": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision-people"],
            action="sts:AssumeRole",
            resource=w.bootstrap_role(w.team("research").qualifier),
        ),
    ),
    "vision's people assume the default bootstrap's deploy role": (
        NOT_ALLOWED,
        lambda w: Request(
            principal=w.exec_roles["vision-people"], action="sts:AssumeRole", resource=w.bootstrap_role("hnb659fds")
        ),
    ),
}

#: The default app's guardrails: vision ``ml.m5.*``/``ml.g4dn.*`` for at most one day; research two CPU types for
#: at most four hours, tagged ``cost-center``.
DEFAULT_APP_CASES: dict[str, Case] = {
    "vision: an allowed GPU type": (
        ALLOWED,
        lambda w: w.create("vision", **{"sagemaker:InstanceTypes": ["ml.g4dn.xlarge"]}),
    ),  # fmt: skip
    "vision: a forbidden type": (
        DENIED,
        lambda w: w.create("vision", **{"sagemaker:InstanceTypes": ["ml.p4d.24xlarge"]}),
    ),  # fmt: skip
    "vision: one forbidden type of two": (
        DENIED,
        lambda w: w.create("vision", **{"sagemaker:InstanceTypes": ["ml.m5.xlarge", "ml.p5.48xlarge"]}),
    ),
    "vision: the longest runtime": (
        ALLOWED,
        lambda w: w.create("vision", **{"sagemaker:MaxRuntimeInSeconds": "86400"}),
    ),  # fmt: skip
    "vision: a runtime over one day": (
        DENIED,
        lambda w: w.create("vision", **{"sagemaker:MaxRuntimeInSeconds": "86401"}),
    ),  # fmt: skip
    # Not denied by IAM (documented): no document says which requests fill these keys; the synth-time check
    # (GuardrailsAspect) covers jobs of the team's provider.
    "vision: no instance types in the request (synth-time check only)": (
        ALLOWED,
        lambda w: w.create("vision", **{"sagemaker:InstanceTypes": None}),
    ),
    "vision: no runtime in the request (synth-time check only)": (
        ALLOWED,
        lambda w: w.create("vision", **{"sagemaker:MaxRuntimeInSeconds": None}),
    ),
    "research: without its cost-center tag": (DENIED, lambda w: w.create("research")),
    "research: with its cost-center tag": (
        ALLOWED,
        lambda w: w.create("research", **{"aws:RequestTag/cost-center": "cc-1"}),
    ),
    "research: a vision type": (
        DENIED,
        lambda w: w.create(
            "research", **{"aws:RequestTag/cost-center": "cc-1", "sagemaker:InstanceTypes": ["ml.g4dn.xlarge"]}
        ),
    ),
}


def _guarded_keys(w: World, team: str | None) -> dict[str, Any]:
    """The keys of a create that satisfies every guardrail of the guarded platform."""
    return {
        "sagemaker:VpcSubnets": [str(w.model.value(w.platform, s)) for s in w.platform.subnet_ids],
        "sagemaker:NetworkIsolation": "true",
        "sagemaker:InterContainerTrafficEncryption": "true",
        "sagemaker:OutputKmsKeyArn": w.key,
        "sagemaker:VolumeKmsKeyArn": w.volume_key(team) if team is not None else w.key,
        "aws:RequestTag/cost-center": "cc-1",
    }


def _guarded_request(w: World, team: str, **overrides: Any) -> Request:
    """A create that satisfies every guardrail of the guarded platform, changed in ``overrides``."""
    return w.create(team, **overrides)


def _g(**overrides: Any) -> Callable[[World], Request]:
    return lambda w: _guarded_request(w, "vision", **overrides)


G4DN = {"sagemaker:InstanceTypes": ["ml.g4dn.xlarge"]}

#: Every guardrail of the guarded platform, with a compliant and a violating request.
GUARDED_CASES: dict[str, Case] = {
    "guarded: compliant": (ALLOWED, _g()),
    "guarded: compliant on g4dn without a volume key (local NVMe storage)": (
        ALLOWED,
        _g(**G4DN, **{"sagemaker:VolumeKmsKeyArn": None}),
    ),
    "guarded: compliant on g4dn with its volume key": (ALLOWED, _g(**G4DN)),
    "guarded: m5 without a volume key": (DENIED, _g(**{"sagemaker:VolumeKmsKeyArn": None})),
    # Not denied by IAM (documented): without sagemaker:InstanceTypes IAM cannot tell local storage; the synth-time
    # check (GuardrailsAspect) requires the volume key unless the instance type has local storage.
    "guarded: no instance types and no volume key (synth-time check only)": (
        ALLOWED,
        _g(**{"sagemaker:VolumeKmsKeyArn": None, "sagemaker:InstanceTypes": None}),
    ),
    "guarded: m5 and g4dn without a volume key": (
        DENIED,
        _g(**{"sagemaker:VolumeKmsKeyArn": None, "sagemaker:InstanceTypes": ["ml.g4dn.xlarge", "ml.m5.xlarge"]}),
    ),
    "guarded: another volume key": (
        DENIED,
        lambda w: _guarded_request(w, "vision", **{"sagemaker:VolumeKmsKeyArn": w.volume_key("research")}),
    ),  # fmt: skip
    "guarded: the bucket key as volume key": (
        DENIED,
        lambda w: _guarded_request(w, "vision", **{"sagemaker:VolumeKmsKeyArn": w.key}),
    ),  # fmt: skip
    "guarded: no output key": (DENIED, _g(**{"sagemaker:OutputKmsKeyArn": None})),
    "guarded: another output key": (
        DENIED,
        lambda w: _guarded_request(w, "vision", **{"sagemaker:OutputKmsKeyArn": w.volume_key("vision")}),
    ),  # fmt: skip
    "guarded: no VPC": (DENIED, _g(**{"sagemaker:VpcSubnets": None})),
    "guarded: another subnet": (DENIED, _g(**{"sagemaker:VpcSubnets": ["subnet-0123456789abcdef0"]})),
    "guarded: network isolation off": (DENIED, _g(**{"sagemaker:NetworkIsolation": "false"})),
    "guarded: network isolation absent": (DENIED, _g(**{"sagemaker:NetworkIsolation": None})),
    "guarded: inter-container encryption off": (DENIED, _g(**{"sagemaker:InterContainerTrafficEncryption": "false"})),
    "guarded: inter-container encryption absent": (DENIED, _g(**{"sagemaker:InterContainerTrafficEncryption": None})),
    "guarded: no cost-center tag": (DENIED, _g(**{"aws:RequestTag/cost-center": None})),
    "guarded: a forbidden type": (DENIED, _g(**{"sagemaker:InstanceTypes": ["ml.c5.xlarge"]})),
    "guarded: a runtime over 8 hours": (DENIED, _g(**{"sagemaker:MaxRuntimeInSeconds": "28801"})),
    "guarded: research's compliant job": (ALLOWED, lambda w: _guarded_request(w, "research")),
}


def request_keys(request: dict[str, Any]) -> dict[str, Any]:
    """The condition keys SageMaker takes from a ``CreateHyperParameterTuningJob`` request:
    every instance type of every definition (``ResourceConfig``, the single form of
    ``HyperParameterTuningResourceConfig`` or its ``InstanceConfigs``, via ``instance_choices``), every subnet, the
    longest training runtime, the request's tags, and the single-valued keys (network isolation, encryption, KMS
    keys), which every definition must agree on: how SageMaker fills a single-valued key from definitions that
    disagree is not documented, so such a request is refused here rather than guessed."""
    definitions = request.get("TrainingJobDefinitions") or [request["TrainingJobDefinition"]]

    def agreed(name: str, values: list[Any]) -> Any:
        if len({json.dumps(v) for v in values}) != 1:
            raise ValueError(f"the definitions disagree on {name}: {values}")
        return values[0]

    def once(values: Any) -> list[Any]:
        return list({json.dumps(v, sort_keys=True): v for v in values}.values())

    def flag(member: str) -> str:
        return "true" if agreed(member, [bool(d.get(member, False)) for d in definitions]) else "false"

    return {
        # Multi-valued keys: each value once, first seen first.
        "sagemaker:InstanceTypes": once(c["InstanceType"] for d in definitions for c in instance_choices(d)),
        "sagemaker:MaxRuntimeInSeconds": str(max(d["StoppingCondition"]["MaxRuntimeInSeconds"] for d in definitions)),
        "sagemaker:VpcSubnets": once(s for d in definitions for s in d.get("VpcConfig", {}).get("Subnets", [])) or None,
        "sagemaker:NetworkIsolation": flag("EnableNetworkIsolation"),
        "sagemaker:InterContainerTrafficEncryption": flag("EnableInterContainerTrafficEncryption"),
        "sagemaker:OutputKmsKeyArn": agreed(
            "OutputKmsKeyArn", [d["OutputDataConfig"].get("KmsKeyId") for d in definitions]
        ),
        "sagemaker:VolumeKmsKeyArn": agreed(
            "VolumeKmsKeyArn", [resource_structure(d).get("VolumeKmsKeyId") for d in definitions]
        ),
        **{f"aws:RequestTag/{tag['Key']}": tag["Value"] for tag in request.get("Tags", [])},
    }


def _rendered(name: str, team: str = "vision") -> Callable[[World], Request]:
    """The create ``team``'s handler sends for the guarded world's job ``name``: the owner tags the handler adds,
    and every other key taken from the job's rendered request (``request_keys``), not written by hand."""

    def build(w: World) -> Request:
        _, extra = guarded_world()
        tuning: TuningJob = extra["rendered"][name]
        stack = cdk.Stack.of(tuning)
        # The keys' values with their intrinsics resolved (the rest of the request, e.g. the image's FindInMap, is
        # not needed).
        keys = {k: w.model.resolve(stack.stack_name, v) for k, v in request_keys(stack.resolve(tuning.request)).items()}
        # The tags the handler adds (contract.HANDLER_TAG_KEYS); the request's own tags come with request_keys.
        handler_tags = {f"aws:RequestTag/{key}" for key in contract.HANDLER_TAG_KEYS}
        owner_tags = {k: v for k, v in w.create_context(team).items() if k in handler_tags}
        context = {**owner_tags, **keys}
        context = {k: v for k, v in context.items() if v is not None}
        return Request(principal=w.handler(team), action=CREATE_ACTION, resource=w.job(team), context=context)

    return build


#: Instance fallback and several definitions, each a real synthesized job's request: compliant ones (through the
#: team's guarded provider, so they also passed the synth-time check) and non-compliant ones (through a provider
#: without guardrails, so only IAM stands in their way when the team's handler sends them).
RENDERED_CASES: dict[str, Case] = {
    "rendered: instance fallback within the allowed types": (ALLOWED, _rendered("Fallback")),
    "rendered: one instance config (single form) on g4dn without a volume key": (ALLOWED, _rendered("Single")),
    "rendered: two definitions, both compliant": (ALLOWED, _rendered("Several")),
    "rendered: instance fallback to a forbidden type": (DENIED, _rendered("FallbackForbidden")),
    "rendered: one definition on a forbidden type": (DENIED, _rendered("SeveralForbidden")),
    "rendered: the single form on a forbidden type": (DENIED, _rendered("SingleForbidden")),
}


#: The guarded platform's limits: every guardrail IAM has a key for.
ALL_GUARDRAILS = Guardrails(
    instance_types=["ml.m5.*", "ml.g4dn.*"],
    max_training_runtime=cdk.Duration.hours(8),
    max_instances_per_job=2,
    max_parallel_jobs=4,
    require_vpc=True,
    require_network_isolation=True,
    require_kms=True,
    require_inter_container_encryption=True,
    required_tags=["cost-center"],
)


def _people_and_exec_roles(model: PolicyModel, platform: HpoPlatform) -> dict[str, str]:
    """Fake roles of each team's people, given the team's deployer policy (the execution roles are in the app)."""
    roles = {}
    for name, team in platform.teams.items():
        arn = PolicyModel.role_arn(f"{name}-people")
        model.add_role(arn, [model.managed_policy(team.deployer_policy)])
        roles[f"{name}-people"] = arn
    return roles


@cache
def default_world() -> World:
    """The default app's platform (synthesized once for the session, shared with the other platform tests)."""
    synthesized = default_app()
    stack = synthesized.app.node.find_child("HpoPlatform")
    assert isinstance(stack, HpoPlatformStack)
    model = PolicyModel.from_templates(synthesized.templates)
    exec_roles = _people_and_exec_roles(model, stack.platform)
    for name, team in stack.platform.teams.items():
        arn = PolicyModel.role_arn(f"cdk-{team.qualifier}-cfn-exec-role-{ACCOUNT}-{REGION}")
        model.add_role(arn, [model.managed_policy(team.cfn_execution_policy)])
        exec_roles[name] = arn
    return World(model, stack.platform, exec_roles)


@cache
def guarded_world() -> tuple[World, dict[str, Any]]:
    """A platform with every guardrail, a VPC, two teams with their own execution roles, and a compliant g4dn job."""
    app = new_app()
    stack = cdk.Stack(app, "Guarded")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])  # fmt: skip
    platform = HpoPlatform(stack, "Platform", name="guarded", vpc=vpc, guardrails=ALL_GUARDRAILS)
    exec_roles = {}
    for name in ("vision", "research"):
        team = platform.add_team(name)
        role = iam.Role(
            stack,
            f"CfnExec-{name}",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            managed_policies=[team.cfn_execution_policy],
        )
        exec_roles[name] = role
    vision = platform.teams["vision"]
    gpu_job = job(
        stack,
        "GpuJob",
        provider=vision.provider,
        max_parallel_jobs=2,
        tags={"cost-center": "cc-1"},
        training=training(
            image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
            inputs={"train": vision.data_input("train/", content_type="text/csv")},
            output_path=vision.output_location("xgb/"),
            output_kms_key=vision.key,
            role=vision.training_role,
            instance_type="ml.g4dn.xlarge",
            max_runtime=cdk.Duration.hours(4),
            vpc=vpc,
            enable_network_isolation=True,
            enable_inter_container_traffic_encryption=True,
        ),
    )
    rendered = _rendered_jobs(stack, platform, vpc)
    templates = synth_templates(app)
    model = PolicyModel.from_templates(templates)
    roles = {name: model.arn(role) for name, role in exec_roles.items()}
    roles.update(_people_and_exec_roles(model, platform))
    extra = {"templates": templates, "gpu_job": gpu_job, "stack": stack, "rendered": rendered}
    return World(model, platform, roles, _guarded_keys), extra


def _rendered_jobs(stack: cdk.Stack, platform: HpoPlatform, vpc: ec2.IVpc) -> dict[str, TuningJob]:
    """Jobs of the vision team with instance fallback, the single form and several definitions: compliant ones
    through the team's provider (checked at synth), and their non-compliant twins through a provider without
    guardrails (``RENDERED_CASES`` sends them with the team's handler: IAM must deny them on its own)."""
    vision = platform.teams["vision"]
    unguarded = TuningJobProvider(stack, "UnguardedProvider", name_prefix="unguarded")

    def train(**changes: Any) -> Any:
        props: dict[str, Any] = {
            "image": TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
            "inputs": {"train": vision.data_input("train/", content_type="text/csv")},
            "output_path": vision.output_location("xgb/"),
            "output_kms_key": vision.key,
            "role": vision.training_role,
            "instance_type": None,
            "max_runtime": cdk.Duration.hours(4),
            "vpc": vpc,
            "enable_network_isolation": True,
            "enable_inter_container_traffic_encryption": True,
        }
        return training(**{**props, **changes})

    def fallback(*types: str, role: Any = vision.training_role) -> Any:
        configs = [InstanceConfig(t) for t in types]
        return train(instance_configs=configs, volume_kms_key=vision.volume_key, role=role)

    def forbidden(*types: str) -> Any:
        """``fallback`` for the unguarded provider: the team's training role is for the team's provider only
        (HPO-JOB-017), so these get a role of their own (the role is not a condition key)."""
        return fallback(*types, role=None)

    def several(*trainings: Any) -> dict[str, Any]:
        definitions = [
            TuningDefinition(
                f"xgb-{i}", training=t, objective=Objective.maximize("validation:auc"), parameter_ranges=XGB_RANGES
            )
            for i, t in enumerate(trainings)
        ]
        return {"training": None, "objective": None, "parameter_ranges": (), "definitions": definitions}

    common = {"max_parallel_jobs": 2, "tags": {"cost-center": "cc-1"}}
    jobs = {
        "Fallback": {"training": fallback("ml.m5.xlarge", "ml.m5.2xlarge")},
        "Single": {"training": train(instance_configs=[InstanceConfig("ml.g4dn.xlarge")])},
        "Several": several(fallback("ml.m5.xlarge", "ml.m5.2xlarge"), fallback("ml.m5.4xlarge")),
        "FallbackForbidden": {"training": forbidden("ml.m5.xlarge", "ml.c5.xlarge"), "provider": unguarded},
        "SingleForbidden": {"training": forbidden("ml.c5.xlarge"), "provider": unguarded},
        "SeveralForbidden": {**several(forbidden("ml.m5.xlarge"), forbidden("ml.c5.2xlarge")), "provider": unguarded},
    }
    return {
        name: job(stack, name, **{"provider": vision.provider, "strategy": Bayesian(), **common, **props})
        for name, props in jobs.items()
    }


def _decide(world: World, cases: dict[str, Case]) -> dict[str, Decision]:
    names = list(cases)
    decisions = evaluate(world.model, [cases[name][1](world) for name in names])
    return dict(zip(names, decisions, strict=True))


@cache
def default_decisions() -> dict[str, Decision]:
    return _decide(default_world(), {**COMMON_CASES, **DEFAULT_APP_CASES})


@cache
def guarded_decisions() -> dict[str, Decision]:
    return _decide(guarded_world()[0], {**COMMON_CASES, **GUARDED_CASES, **RENDERED_CASES})


@pytest.mark.parametrize("case", [*COMMON_CASES, *DEFAULT_APP_CASES])
def test_default_app(case: str) -> None:
    expected = {**COMMON_CASES, **DEFAULT_APP_CASES}[case][0]
    actual = default_decisions()[case]
    assert actual is expected, f"{case}: expected {expected.value}, the evaluator says {actual.value}"


@pytest.mark.parametrize("case", [*COMMON_CASES, *GUARDED_CASES, *RENDERED_CASES])
def test_platform_with_every_guardrail(case: str) -> None:
    expected = {**COMMON_CASES, **GUARDED_CASES, **RENDERED_CASES}[case][0]
    actual = guarded_decisions()[case]
    assert actual is expected, f"{case}: expected {expected.value}, the evaluator says {actual.value}"


def test_every_kms_guardrail_key_is_one_the_action_has_today() -> None:
    """The deprecated ``sagemaker:VolumeKmsKey``/``OutputKmsKey`` are never used (the evaluator would ignore them)."""
    world, _ = guarded_world()
    handler = world.handler("vision")
    text = str(world.model.identity_policies[handler])
    assert "sagemaker:VolumeKmsKeyArn" in text and "sagemaker:OutputKmsKeyArn" in text
    assert "sagemaker:VolumeKmsKey'" not in text and "sagemaker:OutputKmsKey'" not in text
    assert all(p in text for p in LOCAL_STORAGE_INSTANCE_PATTERNS)


def test_a_compliant_g4dn_job_without_volume_key_synthesizes_under_require_kms() -> None:
    _, extra = guarded_world()
    request = extra["stack"].resolve(extra["gpu_job"].request)
    resources = request["TrainingJobDefinition"]["ResourceConfig"]
    assert resources["InstanceType"] == "ml.g4dn.xlarge"
    assert "VolumeKmsKeyId" not in resources


def test_the_rendered_cases_carry_every_instance_type_and_differ_from_their_twins_only_there() -> None:
    world, _ = guarded_world()
    context = {name: _rendered(name)(world).context for name in guarded_world()[1]["rendered"]}
    types = {name: c["sagemaker:InstanceTypes"] for name, c in context.items()}
    assert types == {
        "Fallback": ["ml.m5.xlarge", "ml.m5.2xlarge"],
        "Single": ["ml.g4dn.xlarge"],
        "Several": ["ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge"],
        "FallbackForbidden": ["ml.m5.xlarge", "ml.c5.xlarge"],
        "SingleForbidden": ["ml.c5.xlarge"],
        "SeveralForbidden": ["ml.m5.xlarge", "ml.c5.2xlarge"],
    }
    assert "sagemaker:VolumeKmsKeyArn" not in context["Single"]  # local NVMe storage: no volume key
    assert context["Single"]["aws:RequestTag/cost-center"] == "cc-1"  # the job's own tag, from its request
    for bad in ("FallbackForbidden", "SingleForbidden", "SeveralForbidden"):
        twin = {k: v for k, v in context["Fallback"].items() if k != "sagemaker:InstanceTypes"}
        assert {k: v for k, v in context[bad].items() if k != "sagemaker:InstanceTypes"} == twin, bad
        assert context[bad]["sagemaker:VpcSubnets"] and context[bad]["sagemaker:OutputKmsKeyArn"] == world.key


def test_request_keys_refuses_definitions_that_disagree_on_a_single_valued_key() -> None:
    _, extra = guarded_world()
    several = extra["stack"].resolve(extra["rendered"]["Several"].request)
    several["TrainingJobDefinitions"][1]["EnableNetworkIsolation"] = False
    with pytest.raises(ValueError, match="disagree on EnableNetworkIsolation"):
        request_keys(several)


def test_the_evaluator_refuses_a_context_key_the_action_does_not_have() -> None:
    """A case with a stale key (the deprecated KMS keys) cannot pass silently: the harness raises."""
    world = default_world()
    stale = world.create("vision", **{"sagemaker:VolumeKmsKey": world.key})
    with pytest.raises(ValueError, match="ignored"):
        evaluate(world.model, [stale])


def test_the_harness_resolves_intrinsics_and_attaches_policies_to_their_roles() -> None:
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "my-bucket"}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "s3:GetObject",
                                "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/x/*"]]},
                            }
                        ],
                    },
                },
            },
        }
    }
    model = PolicyModel.from_templates({"S": template})
    role = PolicyModel.role_arn("S-Role")
    ((_, document),) = model.identity_policies[role]
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::my-bucket/x/*"
    requests = [
        Request(principal=role, action="s3:GetObject", resource="arn:aws:s3:::my-bucket/x/a"),
        Request(principal=role, action="s3:GetObject", resource="arn:aws:s3:::my-bucket/y/a"),
    ]
    assert evaluate(model, requests) == [ALLOWED, NOT_ALLOWED]
