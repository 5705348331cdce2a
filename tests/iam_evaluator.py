"""Evaluate the IAM policies of synthesized templates with a real IAM policy evaluator.

`@cloud-copilot/iam-simulate <https://github.com/cloud-copilot/iam-simulate>`_ (npm, a development dependency in
``package.json``) evaluates identity policies, resource policies (bucket and key policies) and permission boundaries
the way AWS does, and validates every request against the service authorization reference it ships: an action that
does not exist, a resource type the action does not take, or a condition key the action does not have is an error,
not a silent "no match". ``tests/iam/simulate.mjs`` runs one batch of simulations per node process.

Typical use (one model per synthesized app, one ``evaluate`` call per batch of cases)::

    model = PolicyModel.from_templates(synth_templates(app))
    handler = model.arn(platform.teams["vision"].provider.handler_role)
    job = model.sagemaker_arn("hyper-parameter-tuning-job", "vision1a2b-abc")
    decisions = evaluate(model, [
        Request(principal=handler, action="sagemaker:StopHyperParameterTuningJob", resource=job,
                context={"aws:ResourceTag/sagemaker-hpo:team": "vision"}),
    ])
    assert decisions == [Decision.ALLOWED]

CloudFormation values are made concrete: pseudo parameters become :data:`ACCOUNT`, :data:`REGION` and
:data:`PARTITION`; ``Ref``/``Fn::GetAtt`` of a resource of the same stack become a fake but stable physical name or
ARN (``<stack>-<logical id>`` for generated names, the resource's own name property when it has one);
``Fn::Join``/``Fn::Select``/``Fn::Split``/``Fn::Sub`` are applied. Use :meth:`PolicyModel.arn`, :meth:`PolicyModel.ref`
and :meth:`PolicyModel.value` to get the same values for a construct or a token, so requests name exactly what the
policies name. A value this module cannot resolve (``Fn::ImportValue``, a resource of another stack) raises ``ValueError``:
add what is missing rather than comparing against a placeholder.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["ACCOUNT", "PARTITION", "REGION", "Decision", "PolicyModel", "Request", "evaluate"]

#: The fake account, region and partition every template is resolved in.
ACCOUNT = "111122223333"
REGION = "us-east-1"
PARTITION = "aws"

ROOT = Path(__file__).resolve().parents[1]
SIMULATE_SCRIPT = ROOT / "tests" / "iam" / "simulate.mjs"

_PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
}
#: Properties that hold a resource's own name, by resource type.
_NAME_PROPERTY = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SSM::Parameter": "Name",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
}


class Decision(str, Enum):
    """The evaluator's decision on a request."""

    ALLOWED = "Allowed"
    EXPLICITLY_DENIED = "ExplicitlyDenied"
    IMPLICITLY_DENIED = "ImplicitlyDenied"

    @property
    def denied(self) -> bool:
        """Whether the request is denied (explicitly or for want of an ``Allow``)."""
        return self is not Decision.ALLOWED


@dataclass(frozen=True, kw_only=True)
class Request:
    """One request to evaluate.

    :param principal: the ARN of the role making the request (its identity policies and boundary apply).
    :param action: the action, e.g. ``s3:GetObject``.
    :param resource: the resource ARN.
    :param context: the request's condition keys (``aws:RequestTag/k``, ``s3:prefix``, ``sagemaker:InstanceTypes``
        ...). A key the action does not have is an error. Default: none.
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@dataclass
class _Resource:
    stack: str
    logical_id: str
    type: str
    properties: dict[str, Any]


class PolicyModel:
    """The IAM policies of a set of synthesized templates, resolved to concrete ARNs (see the module docs)."""

    def __init__(self) -> None:
        self._resources: dict[tuple[str, str], _Resource] = {}
        self._parameters: dict[tuple[str, str], Any] = {}
        #: Identity policies by role ARN: (name, document) pairs.
        self.identity_policies: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        #: Permission boundaries by role ARN.
        self.boundaries: dict[str, dict[str, Any]] = {}
        #: Resource policies by resource ARN (bucket ARN, key ARN).
        self.resource_policies: dict[str, dict[str, Any]] = {}

    @staticmethod
    def from_templates(templates: Mapping[str, Mapping[str, Any]]) -> PolicyModel:
        """A model of every role, managed policy, bucket, key and repository policy in ``templates`` (by stack
        name)."""
        model = PolicyModel()
        for stack, template in templates.items():
            for name, parameter in template.get("Parameters", {}).items():
                model._parameters[(stack, name)] = parameter.get("Default")
            for logical_id, resource in template.get("Resources", {}).items():
                model._resources[(stack, logical_id)] = _Resource(
                    stack, logical_id, resource["Type"], resource.get("Properties", {})
                )
        for resource in list(model._resources.values()):
            model._collect(resource)
        return model

    # -- values -------------------------------------------------------------------------------------------------

    def _locate(self, construct: IConstruct) -> _Resource:
        child = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
        if not isinstance(child, cdk.CfnResource):
            raise ValueError(f"{construct.node.path} has no CloudFormation resource of its own")
        stack = cdk.Stack.of(child)
        return self._resource(stack.stack_name, str(stack.resolve(child.logical_id)))

    def ref(self, construct: IConstruct) -> str:
        """What ``Ref`` gives for ``construct``'s resource (a role's or bucket's name, a key's id ...)."""
        return str(self._ref(self._locate(construct)))

    def arn(self, construct: IConstruct) -> str:
        """The ARN of ``construct``'s resource (a role, bucket, key, function, managed policy ...)."""
        return str(self._get_att(self._locate(construct), "Arn"))

    def value(self, scope: IConstruct, token: Any) -> Any:
        """The concrete value of ``token`` (e.g. ``provider.service_token``, ``role.role_arn``) in ``scope``'s stack."""
        stack = cdk.Stack.of(scope)
        return self.resolve(stack.stack_name, stack.resolve(token))

    @staticmethod
    def sagemaker_arn(resource_type: str, name: str) -> str:
        """A SageMaker resource's ARN in the fake account and region, e.g. a tuning job's."""
        return f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:{resource_type}/{name}"

    @staticmethod
    def role_arn(name: str) -> str:
        """The ARN of a role named ``name`` in the fake account (e.g. a role no template declares)."""
        return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}"

    def resolve(self, stack: str, value: Any) -> Any:
        """``value`` of a template of ``stack`` with every intrinsic function resolved to a concrete value."""
        if isinstance(value, list):
            return [self.resolve(stack, v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                if argument in _PSEUDO:
                    return _PSEUDO[argument]
                if argument == "AWS::StackName":
                    return stack
                if (stack, argument) in self._parameters:
                    return self._parameters[(stack, argument)]
                return self._ref(self._resource(stack, argument))
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self._get_att(self._resource(stack, logical_id), attribute)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(p) for p in self.resolve(stack, parts))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(stack, items)[int(self.resolve(stack, index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self.resolve(stack, text)).split(separator)
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(stack, text, variables)
            if key.startswith("Fn::"):
                raise ValueError(f"{stack}: cannot resolve {key} in {json.dumps(value)[:200]}")
        return {k: self.resolve(stack, v) for k, v in value.items()}

    def _sub(self, stack: str, text: str, variables: Mapping[str, Any]) -> str:
        import re

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(stack, variables[name]))
            if "." in name:
                return str(self.resolve(stack, {"Fn::GetAtt": name.split(".", 1)}))
            return str(self.resolve(stack, {"Ref": name}))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def _resource(self, stack: str, logical_id: str) -> _Resource:
        try:
            return self._resources[(stack, logical_id)]
        except KeyError:
            raise ValueError(f"{stack}: no resource or parameter {logical_id!r}") from None

    def _name(self, resource: _Resource) -> str:
        prop = _NAME_PROPERTY.get(resource.type)
        if prop and prop in resource.properties:
            return str(self.resolve(resource.stack, resource.properties[prop]))
        generated = f"{resource.stack}-{resource.logical_id}"
        if resource.type == "AWS::S3::Bucket":
            return generated.lower()[:63]
        return generated[:64]

    @staticmethod
    def _key_id(resource: _Resource) -> str:
        return str(uuid.UUID(hashlib.sha256(f"{resource.stack}/{resource.logical_id}".encode()).hexdigest()[:32]))

    def _ref(self, resource: _Resource) -> Any:
        kind = resource.type
        if kind == "AWS::KMS::Key":
            return self._key_id(resource)
        if kind in ("AWS::IAM::ManagedPolicy", "AWS::StepFunctions::StateMachine"):
            return self._get_att(resource, "Arn")
        return self._name(resource)

    def _get_att(self, resource: _Resource, attribute: str) -> Any:
        kind, name = resource.type, self._name(resource)
        if attribute != "Arn":
            if kind == "AWS::S3::Bucket" and attribute == "RegionalDomainName":
                return f"{name}.s3.{REGION}.amazonaws.com"
            if attribute in ("Name", "RoleId", "KeyId"):
                return self._ref(resource)
            raise ValueError(f"{resource.stack}: no fake value for {kind}.{attribute}")
        arns = {
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
            "AWS::IAM::ManagedPolicy": f"arn:{PARTITION}:iam::{ACCOUNT}:policy/{name}",
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{self._key_id(resource)}",
            "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
            "AWS::ECR::Repository": f"arn:{PARTITION}:ecr:{REGION}:{ACCOUNT}:repository/{name.lower()}",
            "AWS::StepFunctions::StateMachine": f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{name}",
        }
        if kind not in arns:
            raise ValueError(f"{resource.stack}: no fake ARN for {kind}")
        return arns[kind]

    # -- policies -----------------------------------------------------------------------------------------------

    def _collect(self, resource: _Resource) -> None:
        props, stack = resource.properties, resource.stack

        def roles_of(refs: Iterable[Any]) -> list[str]:
            return [f"arn:{PARTITION}:iam::{ACCOUNT}:role/{self.resolve(stack, r)}" for r in refs]

        label = f"{stack}/{resource.logical_id}"
        if resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            document = self.resolve(stack, props["PolicyDocument"])
            for role in roles_of(props.get("Roles", [])):
                self.identity_policies.setdefault(role, []).append((label, document))
        elif resource.type == "AWS::IAM::Role":
            arn = self._get_att(resource, "Arn")
            policies = self.identity_policies.setdefault(arn, [])
            for inline in props.get("Policies", []):
                policies.append((f"{label}/{inline['PolicyName']}", self.resolve(stack, inline["PolicyDocument"])))
            for managed in props.get("ManagedPolicyArns", []):
                policies.append((f"{label}/managed", self._managed_document(stack, managed)))
            if "PermissionsBoundary" in props:
                self.boundaries[arn] = self._managed_document(stack, props["PermissionsBoundary"])
        elif resource.type == "AWS::S3::BucketPolicy":
            bucket = self.resolve(stack, props["Bucket"])
            self.resource_policies[f"arn:{PARTITION}:s3:::{bucket}"] = self.resolve(stack, props["PolicyDocument"])
        elif resource.type == "AWS::KMS::Key":
            self.resource_policies[self._get_att(resource, "Arn")] = self.resolve(stack, props["KeyPolicy"])
        elif resource.type == "AWS::ECR::Repository" and "RepositoryPolicyText" in props:
            policy = self.resolve(stack, props["RepositoryPolicyText"])
            self.resource_policies[self._get_att(resource, "Arn")] = policy

    def _managed_document(self, stack: str, value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and "Ref" in value and (stack, value["Ref"]) in self._resources:
            policy = self._resources[(stack, value["Ref"])]
            return dict(self.resolve(stack, policy.properties["PolicyDocument"]))
        raise ValueError(f"{stack}: a managed policy outside the template ({value!r}) cannot be evaluated")

    def add_role(
        self, arn: str, documents: Sequence[Mapping[str, Any]], boundary: Mapping[str, Any] | None = None
    ) -> None:
        """Declare a role no template holds (e.g. a CloudFormation execution role given a team's deploy policy)."""
        self.identity_policies[arn] = [(f"{arn}#{index}", dict(d)) for index, d in enumerate(documents)]
        if boundary is not None:
            self.boundaries[arn] = dict(boundary)

    def managed_policy(self, policy: IConstruct) -> dict[str, Any]:
        """The resolved document of the managed policy ``policy`` (an ``iam.ManagedPolicy``)."""
        resource = self._locate(policy)
        return dict(self.resolve(resource.stack, resource.properties["PolicyDocument"]))

    def _resource_policy(self, resource_arn: str) -> dict[str, Any] | None:
        if resource_arn.startswith(f"arn:{PARTITION}:s3:::"):
            bucket = resource_arn.split(":::", 1)[1].split("/", 1)[0]
            return self.resource_policies.get(f"arn:{PARTITION}:s3:::{bucket}")
        return self.resource_policies.get(resource_arn)

    def simulation(self, request: Request) -> dict[str, Any]:
        """The iam-simulate ``Simulation`` for ``request``."""
        if request.principal not in self.identity_policies:
            raise ValueError(f"no policies of the principal {request.principal}")
        simulation: dict[str, Any] = {
            "request": {
                "principal": request.principal,
                "action": request.action,
                "resource": {"resource": request.resource, "accountId": ACCOUNT},
                "contextVariables": {k: (v if isinstance(v, str) else list(v)) for k, v in request.context.items()},
            },
            "identityPolicies": [{"name": n, "policy": d} for n, d in self.identity_policies[request.principal]],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        resource_policy = self._resource_policy(request.resource)
        if resource_policy is not None:
            simulation["resourcePolicy"] = resource_policy
        if request.principal in self.boundaries:
            simulation["permissionBoundaryPolicies"] = [
                {"name": "boundary", "policy": self.boundaries[request.principal]}
            ]
        return simulation


def evaluate(model: PolicyModel, requests: Sequence[Request]) -> list[Decision]:
    """The evaluator's decision on each of ``requests``, in order (one node process for the whole batch).

    Raises ``ValueError`` naming the request when the evaluator refuses it (an unknown action, a resource type the
    action does not take, a policy error) or ignores one of its context keys (a key the action does not have: a
    condition on it would never match in AWS either, so such a case proves nothing).
    """
    if not requests:
        return []
    batch = [model.simulation(r) for r in requests]
    completed = subprocess.run(
        ["node", str(SIMULATE_SCRIPT)],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"iam-simulate failed ({completed.returncode}): {completed.stderr[-2000:]}")
    results = json.loads(completed.stdout)
    decisions = []
    for request, result in zip(requests, results, strict=True):
        if "error" in result:
            raise ValueError(
                f"the evaluator refused {request}: {result['error']} {json.dumps(result['details'])[:1500]}"
            )
        if result.get("ignoredContextKeys"):
            raise ValueError(
                f"the evaluator ignored {result['ignoredContextKeys']} of {request}: not keys of the action"
            )
        decisions.append(Decision(result["decision"]))
    return decisions
