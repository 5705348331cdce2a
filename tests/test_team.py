"""Teams on one platform: isolation in IAM, guardrails enforced twice, and no silent permission gaps.

- The default app's two teams: exact IAM statements of each team's role and provider, and that the research team's
  statements cannot touch the vision team's prefixes, jobs or role.
- Guardrails: the exact ``Deny`` conditions, and a synth-time error (naming the construct path and field) for each.
- Consumer apps (``HpoPlatform.from_parameters(..., team=...)``): every case that used to synthesize silently with a
  permission the role lacks is now an error or a documented warning.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import (
    Guardrails,
    HpoPlatform,
    Hyperband,
    MetricDefinition,
    Objective,
    S3Input,
    Team,
    TrainingImage,
    TrainingRole,
    TuningJob,
    ValidationError,
)
from sagemaker_hpo.guardrail_checks import guardrails_of
from sagemaker_hpo.instance_storage import LOCAL_STORAGE_INSTANCE_PATTERNS
from sagemaker_hpo.team import team_job_prefix
from stacks.platform_stack import RESEARCH_GUARDRAILS, VISION_GUARDRAILS, HpoPlatformStack
from tests.construct_support import job, role_statements, training
from tests.platform_apps import default_app
from tests.template_checks import (
    cfn_lint_errors,
    nag_findings,
    new_app,
    recorded_acknowledgements,
    synth_templates,
    template_paths,
)

NAMESPACE = "/sagemaker-hpo/default/"


def _stack_and_template() -> tuple[HpoPlatformStack, dict[str, Any]]:
    synthesized = default_app()
    stack = synthesized.app.node.find_child("HpoPlatform")
    assert isinstance(stack, HpoPlatformStack)
    return stack, synthesized.templates["HpoPlatform"]


def _id(stack: cdk.Stack, construct: Any) -> str:
    resource = construct.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    return str(stack.resolve(resource.logical_id))


def _flat(value: Any) -> str:
    """A resolved value as a plain string: ``Fn::Join`` parts joined, references as ``<Id>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Join" in value:
            return "".join(_flat(v) for v in value["Fn::Join"][1])
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    return json.dumps(value, sort_keys=True)


def _resources(statement: dict[str, Any], key: str = "Resource") -> list[str]:
    value = statement.get(key, [])
    return [_flat(v) for v in (value if isinstance(value, list) else [value])]


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return sorted(value if isinstance(value, list) else [value])


def _by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements if "Sid" in s}


JOB_ARN = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:hyper-parameter-tuning-job/"


# -- isolation: the default app's two teams ----------------------------------------------------------------------------


def test_default_app_platform_has_two_teams_and_the_experiments_belong_to_vision() -> None:
    stack, _ = _stack_and_template()
    assert set(stack.platform.teams) == {"vision", "research"}
    templates = default_app().templates
    for name in ("XgboostHyperband", "MlpHyperband", "Resnet20Hyperband"):
        (job_resource,) = [r for r in templates[name]["Resources"].values() if r["Type"].startswith("Custom::")]
        # The team tag is set by the vision provider's handler (SAGEMAKER_HPO_TEAM), never by the template.
        assert "Tags" not in job_resource["Properties"]["Request"]
        defaults = {p["Default"] for p in templates[name]["Parameters"].values() if "Default" in p}
        assert f"{NAMESPACE}teams/vision/provider-service-token" in defaults
        assert f"{NAMESPACE}teams/vision/training-role-arn" in defaults
        assert not any("/teams/research/" in d for d in defaults)


@pytest.mark.parametrize("team_name", ["vision", "research"])
def test_team_provider_statements_are_exactly_the_teams_jobs_tag_and_role(team_name: str) -> None:
    stack, template = _stack_and_template()
    team: Team = stack.platform.teams[team_name]
    prefix = team_job_prefix(NAMESPACE, team_name)
    assert team.name_prefix == prefix and "-" not in prefix and len(prefix) <= 15
    statements = _by_sid(role_statements(template, _id(stack, team.provider.handler_role)))
    role = f"<{_id(stack, team.training_role)}.Arn>"
    for sid in ("DescribeTuningJobs", "CreateOwnerTaggedTuningJobs", "TagOnlyWhileCreating", "StopOwnTuningJobs"):
        manage = statements[sid]
        assert manage["Effect"] == "Allow" and _resources(manage) == [f"{JOB_ARN}{prefix}-*"], sid
    assert _resources(statements["PassTrainingRolesToSageMaker"]) == [role]
    assert statements["PassTrainingRolesToSageMaker"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    tag = "aws:RequestTag/sagemaker-hpo:team"
    on_create = statements["TeamTagOnCreate"]
    assert (on_create["Effect"], on_create["Action"], _resources(on_create)) == (
        "Deny", "sagemaker:CreateHyperParameterTuningJob", [f"{JOB_ARN}*"])  # fmt: skip
    assert on_create["Condition"] == {"StringNotEquals": {tag: team_name}}
    on_stop = statements["TeamTagOnStop"]
    assert (on_stop["Effect"], on_stop["Action"]) == ("Deny", "sagemaker:StopHyperParameterTuningJob")
    assert on_stop["Condition"] == {"StringNotEquals": {"aws:ResourceTag/sagemaker-hpo:team": team_name}}
    for sid, key in (("TeamTagNotReassigned", tag), ("TeamTagOtherTeamsJobs", "aws:ResourceTag/sagemaker-hpo:team")):
        assert statements[sid]["Effect"] == "Deny" and statements[sid]["Action"] == "sagemaker:AddTags"
        assert statements[sid]["Condition"] == {"StringNotEquals": {key: team_name}, "Null": {key: "false"}}
    functions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("Role") == {"Fn::GetAtt": [_id(stack, team.provider.handler_role), "Arn"]}
    ]
    assert len(functions) == 2  # on-event and is-complete: the handler sets the team's owner tag from this variable
    for function in functions:
        assert function["Environment"]["Variables"]["SAGEMAKER_HPO_TEAM"] == team_name
        assert function["Environment"]["Variables"]["SAGEMAKER_HPO_PROVIDER"] == prefix
    role_only = statements["TeamRoleOnly"]
    assert (role_only["Effect"], role_only["Action"], _resources(role_only, "NotResource")) == (
        "Deny", "iam:PassRole", [role])  # fmt: skip


def test_research_cannot_touch_vision_jobs_role_or_prefixes() -> None:
    stack, template = _stack_and_template()
    vision, research = stack.platform.teams["vision"], stack.platform.teams["research"]
    vision_job = f"{JOB_ARN}{vision.name_prefix}-0123456789abcdef"
    research_statements = role_statements(template, _id(stack, research.provider.handler_role))
    sagemaker_allows = [s for s in research_statements if s["Effect"] == "Allow" and "sagemaker:" in json.dumps(s)]
    assert sagemaker_allows
    for statement in sagemaker_allows:
        assert not any(fnmatch.fnmatchcase(vision_job, pattern) for pattern in _resources(statement))
    vision_role = f"<{_id(stack, vision.training_role)}.Arn>"
    passes = [s for s in research_statements if s["Effect"] == "Allow" and s["Action"] == "iam:PassRole"]
    assert passes and all(vision_role not in _resources(s) for s in passes)
    # The research role's S3 resources never reach into the vision team's prefixes.
    research_role = role_statements(template, _id(stack, research.training_role))
    s3_resources = [r for s in research_role if s["Effect"] == "Allow" for r in _resources(s) if "s3:" in json.dumps(s)]
    assert s3_resources and not any("vision" in r for r in s3_resources)


def test_team_role_reads_only_its_data_prefix_writes_only_its_output_and_pulls_only_its_repositories() -> None:
    stack, template = _stack_and_template()
    team = stack.platform.teams["vision"]
    data = f"<{_id(stack, stack.platform.data_bucket)}.Arn>"
    artifacts = f"<{_id(stack, stack.platform.artifacts_bucket)}.Arn>"
    statements = [s for s in role_statements(template, _id(stack, team.training_role)) if s["Effect"] == "Allow"]
    reads = [s for s in statements if _actions(s) == ["s3:GetObject"]]
    assert [_resources(s) for s in reads] == [[f"{data}/teams/vision/*"]]
    writes = [s for s in statements if "s3:PutObject" in _actions(s)]
    assert sorted(r for s in writes for r in _resources(s)) == [
        f"{artifacts}/checkpoints/teams/vision/*", f"{artifacts}/output/teams/vision/*"]  # fmt: skip
    listing = sorted(
        (_resources(s)[0], tuple(s["Condition"]["StringLike"]["s3:prefix"]))
        for s in statements
        if _actions(s) == ["s3:ListBucket"]
    )
    # One ListBucket statement per bucket, its s3:prefix condition listing every prefix of the bucket (#20).
    assert listing == [
        (artifacts, ("output/teams/vision/*", "checkpoints/teams/vision/*")), (data, ("teams/vision/*",))]  # fmt: skip
    pulls = [s for s in statements if "ecr:BatchGetImage" in _actions(s)]
    assert [_resources(s) for s in pulls] == [[f"<{_id(stack, stack.image_repository)}.Arn>"]]
    assert "container-assets" not in json.dumps(template)


def test_shared_platform_role_is_denied_the_teams_prefixes() -> None:
    stack, template = _stack_and_template()
    statements = _by_sid(role_statements(template, _id(stack, stack.platform.training_role)))
    data = f"<{_id(stack, stack.platform.data_bucket)}.Arn>"
    artifacts = f"<{_id(stack, stack.platform.artifacts_bucket)}.Arn>"
    objects = statements["NoTeamObjects"]
    assert objects["Effect"] == "Deny" and _actions(objects) == ["s3:AbortMultipartUpload", "s3:GetObject",
                                                                 "s3:PutObject"]  # fmt: skip
    assert sorted(_resources(objects)) == sorted(
        [f"{data}/teams/*", f"{artifacts}/output/teams/*", f"{artifacts}/checkpoints/teams/*"]
    )
    # Every prefix under which a listing can return a team's key (tests/test_iam_isolation.py evaluates them).
    listing = statements["NoTeamListingData"]
    assert listing["Effect"] == "Deny" and _resources(listing) == [data] and listing["Condition"] == {
        "StringLike": {"s3:prefix": ["t", "te", "tea", "team", "teams", "teams/*"]}}  # fmt: skip
    listing = statements["NoTeamListingArtifacts"]
    prefixes = listing["Condition"]["StringLike"]["s3:prefix"]
    assert _resources(listing) == [artifacts] and {"o", "output/", "output/teams", "output/teams/*", "c",
                                                   "checkpoints/teams/*"} <= set(prefixes)  # fmt: skip
    assert statements["NoListingWithoutPrefix"]["Condition"] == {"Null": {"s3:prefix": "true"}}


def test_team_parameters_are_published_under_the_team_namespace() -> None:
    _, template = _stack_and_template()
    names = {r["Properties"]["Name"] for r in template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"}
    for team in ("vision", "research"):
        for key in ("training-role-arn", "provider-service-token", "provider-name-prefix", "data-prefix",
                    "output-prefix", "checkpoint-prefix", "guardrails", "guardrails-digest"):  # fmt: skip
            assert f"{NAMESPACE}teams/{team}/{key}" in names
    assert f"{NAMESPACE}teams/vision/images/gpu/uri" in names


# -- guardrails: run time (IAM) ------------------------------------------------------------------------------------


def test_default_guardrail_conditions_are_exact() -> None:
    stack, template = _stack_and_template()
    expected = {
        "vision": {
            "GuardrailInstanceTypes": {
                "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.m5.*", "ml.g4dn.*"]}
            },
            "GuardrailMaxRuntime": {"NumericGreaterThan": {"sagemaker:MaxRuntimeInSeconds": 86400}},
        },
        "research": {
            "GuardrailInstanceTypes": {
                "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.m5.large", "ml.m5.xlarge"]}
            },
            "GuardrailMaxRuntime": {"NumericGreaterThan": {"sagemaker:MaxRuntimeInSeconds": 14400}},
            "GuardrailRequiredTag0": {"Null": {"aws:RequestTag/cost-center": "true"}},
        },
    }
    for name, conditions in expected.items():
        team = stack.platform.teams[name]
        statements = role_statements(template, _id(stack, team.provider.handler_role))
        guardrails = {s["Sid"]: s for s in statements if s.get("Sid", "").startswith("Guardrail")}
        assert {sid: s["Condition"] for sid, s in guardrails.items()} == conditions
        for statement in guardrails.values():
            assert statement["Effect"] == "Deny" and statement["Action"] == "sagemaker:CreateHyperParameterTuningJob"
            assert _resources(statement) == [f"{JOB_ARN}{team.name_prefix}-*"]


@cache
def _strict_platform() -> tuple[cdk.Stack, HpoPlatform, Team, dict[str, Any], list[str], list[str], list[Any]]:
    app = new_app()
    stack = cdk.Stack(app, "Strict")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])  # fmt: skip
    vpc.add_flow_log("FlowLogs")
    platform = HpoPlatform(stack, "Platform", namespace="/strict/", vpc=vpc)
    team = platform.add_team(
        "secure",
        guardrails=Guardrails(
            require_vpc=True,
            require_network_isolation=True,
            require_kms=True,
            require_inter_container_encryption=True,
            require_spot=True,
            max_instances_per_job=2,
            max_parallel_jobs=3,
            required_tags=["cost-center", "owner"],
        ),
    )
    findings = nag_findings(app)
    lint = cfn_lint_errors(template_paths(app))
    return stack, platform, team, synth_templates(app)["Strict"], findings, lint, recorded_acknowledgements(app)


def test_strict_guardrail_conditions_are_exact_and_vpc_permissions_are_scoped_to_the_vpc() -> None:
    stack, platform, team, template, findings, lint, _ = _strict_platform()
    assert findings == [] and lint == []
    statements = role_statements(template, _id(stack, team.provider.handler_role))
    guardrails = {s["Sid"]: s["Condition"] for s in statements if s.get("Sid", "").startswith("Guardrail")}
    subnets = [_flat(s) for s in stack.resolve(platform.subnet_ids)]
    key = f"<{_id(stack, platform.key)}.Arn>"
    volume_key = f"<{_id(stack, team.volume_key)}.Arn>"
    flattened = {sid: json.loads(json.dumps(c)) for sid, c in guardrails.items()}
    flattened["GuardrailVpcSubnets"]["ForAnyValue:StringNotEquals"]["sagemaker:VpcSubnets"] = [
        _flat(s) for s in flattened["GuardrailVpcSubnets"]["ForAnyValue:StringNotEquals"]["sagemaker:VpcSubnets"]]  # fmt: skip
    for sid in ("GuardrailVolumeKmsKey", "GuardrailOutputKmsKey"):
        (name,) = flattened[sid]["ArnNotEquals"]
        flattened[sid]["ArnNotEquals"][name] = _flat(flattened[sid]["ArnNotEquals"][name])
    assert flattened == {
        "GuardrailVpcRequired": {"Null": {"sagemaker:VpcSubnets": "true"}},
        "GuardrailVpcSubnets": {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": subnets}},
        "GuardrailNetworkIsolation": {"Bool": {"sagemaker:NetworkIsolation": "false"}},
        "GuardrailNetworkIsolationSet": {"Null": {"sagemaker:NetworkIsolation": "true"}},
        "GuardrailInterContainerEncryption": {"Bool": {"sagemaker:InterContainerTrafficEncryption": "false"}},
        "GuardrailInterContainerEncryptionSet": {"Null": {"sagemaker:InterContainerTrafficEncryption": "true"}},
        # The keys the action has today (the deprecated ...KmsKey ones are never filled); the team's own volume key;
        # no volume key only on instance types with local NVMe storage.
        "GuardrailVolumeKmsKey": {
            "ArnNotEquals": {"sagemaker:VolumeKmsKeyArn": volume_key},
            "Null": {"sagemaker:VolumeKmsKeyArn": "false"},
        },
        "GuardrailVolumeKmsKeyRequired": {
            "Null": {"sagemaker:VolumeKmsKeyArn": "true"},
            "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": list(LOCAL_STORAGE_INSTANCE_PATTERNS)},
        },
        "GuardrailOutputKmsKey": {"ArnNotEquals": {"sagemaker:OutputKmsKeyArn": key}},
        "GuardrailRequiredTag0": {"Null": {"aws:RequestTag/cost-center": "true"}},
        "GuardrailRequiredTag1": {"Null": {"aws:RequestTag/owner": "true"}},
    }
    # The team role's network-interface permissions: only in the platform's VPC and subnets.
    role = [s for s in role_statements(template, _id(stack, team.training_role)) if s["Effect"] == "Allow"]
    (interfaces,) = [s for s in role if "ec2:CreateNetworkInterface" in _actions(s)]
    assert interfaces["Condition"] == {"ArnEquals": {"ec2:Vpc": stack.resolve(platform.vpc.vpc_arn)}}  # type: ignore[union-attr]
    ec2_arn = "arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
    assert _resources(interfaces) == [f"{ec2_arn}network-interface/*", f"{ec2_arn}security-group/*"] + [
        f"{ec2_arn}subnet/{s}" for s in subnets]  # fmt: skip
    (describe,) = [s for s in role if "ec2:DescribeVpcs" in _actions(s)]
    assert _resources(describe) == ["*"] and not any(a.startswith("ec2:Create") for a in _actions(describe))


def _star_reasons(acknowledgements: list[Any]) -> dict[str, str]:
    return {path: reason for path, rule, reason in acknowledgements if rule.endswith("IAM5[Resource::*]")}


def test_the_resource_star_acknowledgement_lists_only_what_the_role_has_on_star() -> None:
    reasons = _star_reasons(recorded_acknowledgements(default_app().app))
    team_reason = reasons["HpoPlatform/Platform/Team-vision/TrainingRole"]
    assert "cloudwatch:PutMetricData" in team_reason and "ecr:GetAuthorizationToken" in team_reason
    assert "ec2:" not in team_reason
    assert "ecr:" not in reasons["HpoPlatform/Platform/Team-research/TrainingRole"]  # given no repository
    vpc_reason = _star_reasons(_strict_platform()[6])["Strict/Platform/Team-secure/TrainingRole"]
    assert "ec2:DescribeVpcs" in vpc_reason and "ec2:CreateNetworkInterface" not in vpc_reason


def test_vpc_access_without_a_vpc_warns_and_its_acknowledgement_says_so() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Unscoped")
    role = TrainingRole(stack, "Role", vpc_access=True)
    Annotations.from_stack(stack).has_warning(
        "/Unscoped/Role", Match.string_like_regexp("network-interface permissions granted on every VPC")
    )
    assert role.has_unscoped_vpc_access
    app.synth()
    reason = _star_reasons(recorded_acknowledgements(app))["Unscoped/Role"]
    assert "because no VPC was given" in reason and "ec2:CreateNetworkInterface" in reason


# -- guardrails: synth time (Aspect) -------------------------------------------------------------------------------

STRICT = Guardrails(
    instance_types=["ml.m5.*"],
    max_instances_per_job=2,
    max_parallel_jobs=3,
    max_instance_hours=10,
    max_training_runtime=cdk.Duration.hours(2),
    require_spot=True,
    require_vpc=True,
    require_network_isolation=True,
    require_kms=True,
    require_inter_container_encryption=True,
    required_tags=["cost-center"],
)


def _consumer(*, with_vpc: bool = False, **imported: Any) -> tuple[cdk.App, cdk.Stack, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, "Consumer")
    if with_vpc:
        imported["vpc"] = _vpc(stack)
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace="/ml/", team="vision", **imported)
    return app, stack, platform


def _compliant(stack: cdk.Stack, platform: Any, platform_vpc: ec2.IVpc, **overrides: Any) -> dict[str, Any]:
    training_props: dict[str, Any] = {
        "role": platform.training_role,
        "inputs": {"train": platform.data_input("x/", content_type="text/csv")},
        "output_path": platform.output_location("x/"),
        "checkpoint_path": platform.checkpoint_location("x/"),
        "output_kms_key": platform.key,
        "volume_kms_key": platform.volume_key,
        "vpc": platform_vpc,
        "security_groups": [ec2.SecurityGroup(stack, f"Sg{len(stack.node.children)}", vpc=platform_vpc)],
        "use_spot_instances": True,
        "enable_network_isolation": True,
        "enable_inter_container_traffic_encryption": True,
        "max_runtime": cdk.Duration.hours(1),
    }
    job_props: dict[str, Any] = {"max_jobs": 5, "max_parallel_jobs": 3, "tags": {"cost-center": "cv"}}
    for key, value in overrides.items():
        (job_props if key in ("max_jobs", "max_parallel_jobs", "tags") else training_props)[key] = value
    return {"provider": platform.provider, "training": training(**training_props), **job_props}


def _vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["a"], private_subnet_ids=["subnet-1"]
    )


def test_a_job_inside_every_guardrail_synthesizes() -> None:
    app, stack, platform = _consumer(guardrails=STRICT, with_vpc=True)
    job(stack, "Job", **_compliant(stack, platform, platform.vpc))
    app.synth()


@pytest.mark.parametrize(
    ("overrides", "field", "rule_id"),
    [
        ({"instance_type": "ml.c5.xlarge"}, "training.instance_type", "HPO-GUARD-001"),
        ({"instance_count": 3}, "training.instance_count", "HPO-GUARD-002"),
        ({"max_parallel_jobs": 4, "max_jobs": 4}, "max_parallel_jobs", "HPO-GUARD-003"),
        ({"max_runtime": cdk.Duration.hours(3)}, "training.max_runtime", "HPO-GUARD-004"),
        ({"max_jobs": 20}, "max_jobs x training.instance_count x training.max_runtime", "HPO-GUARD-005"),
        ({"use_spot_instances": False, "checkpoint_path": None}, "training.use_spot_instances", "HPO-GUARD-007"),
        ({"vpc": None, "security_groups": None}, "training.vpc", "HPO-GUARD-008"),
        ({"enable_network_isolation": False}, "training.enable_network_isolation", "HPO-GUARD-009"),
        (
            {"enable_inter_container_traffic_encryption": False},
            "training.enable_inter_container_traffic_encryption",
            "HPO-GUARD-010",
        ),  # fmt: skip
        ({"volume_kms_key": None}, "training.volume_kms_key", "HPO-GUARD-011"),
        ({"tags": {"owner": "me"}}, "tags", "HPO-GUARD-013"),
    ],
)
def test_each_guardrail_fails_synthesis_naming_the_construct_path_and_field(
    overrides: dict[str, Any], field: str, rule_id: str
) -> None:
    """A ``ValidationError`` raised in Python as the job is defined (no jsii ``RuntimeError`` from an Aspect)."""
    _, stack, platform = _consumer(guardrails=STRICT, with_vpc=True)
    with pytest.raises(
        ValidationError, match=rf"^Consumer/Job: invalid {re.escape(field)}: .*the platform's guardrails"
    ) as raised:
        job(stack, "Job", **_compliant(stack, platform, platform.vpc, **overrides))
    assert raised.value.rule_id == rule_id and raised.value.path == "Consumer/Job" and raised.value.field == field


def test_guardrails_check_only_jobs_of_the_teams_provider() -> None:
    app, stack, _ = _consumer(guardrails=Guardrails(instance_types=["ml.m5.*"]))
    other = cdk.Stack(app, "Own")
    job(other, "Job", training=training(instance_type="ml.p3.2xlarge"))
    app.synth()


def test_platform_guardrails_also_check_jobs_of_the_platform_app() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Platform")
    platform = HpoPlatform(stack, "Platform", guardrails=Guardrails(max_parallel_jobs=2))
    team = platform.add_team("vision")
    with pytest.raises(
        ValidationError, match=r"^Platform/Job: invalid max_parallel_jobs: 5; the platform's guardrails"
    ):
        job(stack, "Job", provider=team.provider, training=training(role=team.training_role,
            inputs={"train": team.data_input("x/", content_type="text/csv")}, output_path=team.output_location("x/")))  # fmt: skip


@pytest.mark.parametrize(
    ("guardrails", "field"),
    [
        (Guardrails(max_parallel_jobs=0), "guardrails.max_parallel_jobs"),
        (Guardrails(instance_types=["p3.2xlarge"]), "guardrails.instance_types"),
        (Guardrails(max_instance_hours=-1), "guardrails.max_instance_hours"),
        (Guardrails(required_tags=["aws:x"]), "guardrails.required_tags"),
    ],
)
def test_guardrails_are_validated(guardrails: Guardrails, field: str) -> None:
    with pytest.raises(ValidationError, match=rf"^Stack/Platform: invalid {field}"):
        HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform", guardrails=guardrails)


# -- teams: rules ---------------------------------------------------------------------------------------------------


def test_team_names_are_validated_and_unique() -> None:
    platform = HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform")
    with pytest.raises(ValidationError, match=r"^Stack/Platform: invalid team: 'Vision'"):
        platform.add_team("Vision")
    platform.add_team("vision")
    with pytest.raises(ValidationError, match=r"^Stack/Platform: invalid team: 'vision'; is already a team"):
        platform.add_team("vision")
    with pytest.raises(ValidationError, match=r"^Stack/Imported: invalid team: 'a b'"):
        HpoPlatform.from_parameters(cdk.Stack(cdk.App(), "Stack"), "Imported", team="a b")


def test_a_team_image_from_a_docker_asset_is_an_error_naming_the_fix() -> None:
    platform = HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform")
    image = TrainingImage.from_asset(str(__import__("sagemaker_hpo.gpu_image").gpu_image.PACKAGED_DIRECTORY))
    with pytest.raises(ValidationError, match=r"^Stack/Platform/Team-vision: invalid training.image: .*CDK assets "
                       r"repository.*repositories=\[repo\]"):  # fmt: skip
        platform.add_team("vision", images={"gpu": image})


def test_team_jobs_carry_the_owner_tag_and_users_cannot_set_it() -> None:
    _, stack, platform = _consumer()
    tuning = job(stack, "Job", provider=platform.provider, training=_team_training(platform))
    assert "Tags" not in tuning.request  # the team provider's handler tags the job (test_team_provider_functions...)
    with pytest.raises(ValidationError, match=r"^Consumer/Tagged: invalid tags key: 'sagemaker-hpo:team'.*reserved"):
        job(stack, "Tagged", provider=platform.provider, training=_team_training(platform),
            tags={"sagemaker-hpo:team": "research"})  # fmt: skip


def test_a_fixed_name_outside_the_teams_prefix_is_an_error() -> None:
    platform = HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform")
    team = platform.add_team("vision")
    stack = cdk.Stack.of(platform)
    with pytest.raises(ValidationError, match=r"^Stack/Fixed: invalid tuning_job_name: 'research-job'"):
        job(stack, "Fixed", provider=team.provider, tuning_job_name="research-job",
            training=training(role=team.training_role, inputs={}, output_path=team.output_location()))  # fmt: skip
    job(stack, "Ok", provider=team.provider, tuning_job_name=f"{team.name_prefix}-job",
        training=training(role=team.training_role, inputs={}, output_path=team.output_location()))  # fmt: skip


# -- consumer apps: no silent gaps ----------------------------------------------------------------------------------


def _team_training(platform: Any, **overrides: Any) -> Any:
    props: dict[str, Any] = {
        "role": platform.training_role,
        "inputs": {"train": platform.data_input("x/", content_type="text/csv")},
        "output_path": platform.output_location("x/"),
    }
    props.update(overrides)
    return training(**props)


def test_an_imported_team_encrypts_volumes_with_its_own_key_not_the_buckets_key() -> None:
    """The team's role may use the buckets' key only through S3 (no grant for a volume): that key is a synth error."""
    _, stack, platform = _consumer()
    with pytest.raises(ValidationError, match=r"^Consumer/Job: invalid training.volume_kms_key: .*kms:CreateGrant"):
        job(stack, "Job", provider=platform.provider, training=_team_training(platform, volume_kms_key=platform.key))
    own = job(stack, "Own", provider=platform.provider, training=_team_training(platform, volume_kms_key=platform.volume_key))  # fmt: skip
    volume_key = stack.resolve(own.request)["TrainingJobDefinition"]["ResourceConfig"]["VolumeKmsKeyId"]
    assert "teamsvisionvolumekeyarn" in json.dumps(volume_key)


def test_require_kms_accepts_a_local_storage_instance_without_volume_key() -> None:
    """SageMaker refuses a volume key on ml.g4dn (local NVMe storage): the synth-time check must not require one."""
    app, stack, platform = _consumer(guardrails=Guardrails(require_kms=True))
    job(stack, "Gpu", provider=platform.provider, training=_team_training(
        platform, output_kms_key=platform.key, instance_type="ml.g4dn.xlarge"))  # fmt: skip
    app.synth()
    app, stack, platform = _consumer(guardrails=Guardrails(require_kms=True))
    # A guarded job is checked as it is defined: a ValidationError naming the path, the field and the rule.
    with pytest.raises(ValidationError, match=r"^Consumer/Cpu: invalid training.volume_kms_key: None.*HPO-GUARD-011"):
        job(stack, "Cpu", provider=platform.provider, training=_team_training(
            platform, output_kms_key=platform.key, instance_type="ml.m5.xlarge"))  # fmt: skip


def test_the_imported_teams_own_values_need_no_grant_and_add_no_iam() -> None:
    app, stack, platform = _consumer()
    vpc_stack_job = job(stack, "Job", provider=platform.provider, training=_team_training(
        platform, checkpoint_path=platform.checkpoint_location("x/"), output_kms_key=platform.key,
        volume_kms_key=platform.volume_key))  # fmt: skip
    assert vpc_stack_job.request["TrainingJobDefinition"]["RoleArn"]
    template = app.synth().get_stack_by_name("Consumer").template
    assert {r["Type"] for r in template["Resources"].values()} <= {
        "Custom::SageMakerHyperParameterTuningJob", "AWS::CDK::Metadata"}  # fmt: skip


#: A metric definition for the objective of ``_team_training``, for the custom images of the cases below.
AUC = [MetricDefinition("validation:auc", r"validation-auc=([0-9.]+)")]

SILENT_GAPS: list[tuple[str, Callable[[cdk.Stack, Any], dict[str, Any]], str, str]] = [
    (
        "ecr repository of the team",
        lambda stack, p: {
            "image": TrainingImage.from_ecr_repository(
                ecr.Repository.from_repository_name(stack, "Repo", "vision-images"), "v1", metric_definitions=AUC
            )
        },  # fmt: skip
        "training.image",
        r"lacks ecr:BatchGetImage on the repository Consumer/Repo",
    ),
    (
        "image asset",
        lambda stack, p: {
            "image": TrainingImage.from_asset(
                str(__import__("sagemaker_hpo.gpu_image").gpu_image.PACKAGED_DIRECTORY), metric_definitions=AUC
            )
        },  # fmt: skip
        "training.image",
        r"never granted pull on the CDK assets repository",
    ),
    (
        "vpc",
        lambda stack, p: {
            "vpc": _vpc(stack),
            "security_groups": [ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-1")],
        },  # fmt: skip
        "training.vpc",
        r"lacks ec2:CreateNetworkInterface .*from_parameters\(\.\.\., vpc=",
    ),
    (
        "team bucket",
        lambda stack, p: {
            "inputs": {
                "train": S3Input.from_bucket(
                    s3.Bucket.from_bucket_name(stack, "TeamBucket", "vision-own-bucket"),
                    "data/",
                    content_type="text/csv",
                )
            }
        },  # fmt: skip
        "training.inputs['train']",
        r"lacks s3:GetObject and s3:ListBucket on s3://vision-own-bucket/data/\*",
    ),
    (
        "raw s3 uri",
        lambda stack, p: {"output_path": "s3://some-bucket/models/"},
        "training.output_path",
        r"lacks s3:PutObject on s3://some-bucket/models/\*",
    ),
    (
        "another team's prefix",
        lambda stack, p: {
            "inputs": {"train": S3Input.from_bucket(p.data_bucket, "teams/research/x/", content_type="text/csv")}
        },
        "training.inputs['train']",
        r"lacks s3:GetObject .*/teams/research/x/\*",
    ),
    (
        "volume kms key",
        lambda stack, p: {
            "volume_kms_key": kms.Key.from_key_arn(
                stack, "OtherKey", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )
        },  # fmt: skip
        "training.volume_kms_key",
        r"lacks kms:CreateGrant on the key Consumer/OtherKey",
    ),
]


@pytest.mark.parametrize(("case", "change", "field", "message"), SILENT_GAPS, ids=[c[0] for c in SILENT_GAPS])
def test_each_silent_gap_of_an_imported_team_role_is_a_synth_error(
    case: str, change: Callable[[cdk.Stack, Any], dict[str, Any]], field: str, message: str
) -> None:
    _, stack, platform = _consumer()
    with pytest.raises(ValidationError, match=rf"^Consumer/Job: invalid {re.escape(field)}: .*{message}") as raised:
        job(stack, "Job", provider=platform.provider, training=_team_training(platform, **change(stack, platform)))
    assert "imported and cannot be changed" in str(raised.value) or case == "image asset"
    assert raised.value.rule_id == ("HPO-GRANT-001" if case == "image asset" else "HPO-GRANT-002")


#: The grant rules with a failing case above and a passing one (the consumer's job within its grants, and the
#: platform's own image asset on its platform role): tests/test_rules_registry.py.
FAILING_RULE_IDS = {"HPO-GRANT-001", "HPO-GRANT-002"}
PASSING_RULE_IDS = set(FAILING_RULE_IDS)


def test_a_job_within_the_imported_roles_grants_passes_the_grant_rules() -> None:
    _, stack, platform = _consumer()
    made = job(stack, "Job", provider=platform.provider, training=_team_training(platform))
    assert made.request["TrainingJobDefinition"]["RoleArn"]
    # An image asset on a role that belongs to no team (the job's own role) is pulled as usual (HPO-GRANT-001).
    own = cdk.Stack(cdk.App(), "OwnRole", env=cdk.Environment(account="123456789012", region="us-east-1"))
    image = TrainingImage.from_asset(
        str(__import__("sagemaker_hpo.gpu_image").gpu_image.PACKAGED_DIRECTORY), metric_definitions=AUC
    )
    job(own, "Job", training=training(image=image))


def test_a_vpc_declared_as_the_platforms_is_covered() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Consumer")
    vpc = _vpc(stack)
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace="/ml/", team="vision", vpc=vpc)
    job(stack, "Job", provider=platform.provider, training=_team_training(platform, vpc=vpc))


def test_the_platforms_shared_imported_role_has_the_same_checks() -> None:
    stack = cdk.Stack(cdk.App(), "Consumer")
    platform = HpoPlatform.from_parameters(stack, "Platform")
    with pytest.raises(ValidationError, match=r"^Consumer/Job: invalid training.volume_kms_key: .*the platform "):
        job(stack, "Job", provider=platform.provider, training=_team_training(platform, volume_kms_key=platform.key))


def test_a_missing_provider_with_an_imported_platform_is_an_error() -> None:
    _, stack, platform = _consumer()
    with pytest.raises(ValidationError, match=r"^Consumer/Job: invalid provider: None; this stack imports the platform "
                       r"Consumer/Platform: pass provider=<platform>.provider"):  # fmt: skip
        job(stack, "Job", training=_team_training(platform))


def test_an_unknown_immutable_role_warns_for_each_missing_grant() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111122223333:role/external", mutable=False)
    job(stack, "Job", training=training(role=role))
    warnings = Annotations.from_stack(stack).find_warning("/Stack/Job", Match.string_like_regexp(
        "ImmutableRoleNotGranted"))  # fmt: skip
    texts = [json.dumps(w.entry.data) for w in warnings]
    assert any("s3:GetObject and s3:ListBucket on s3://my-data/train/*" in t for t in texts)
    assert any("s3:PutObject on s3://my-data/output/*" in t for t in texts)


def test_a_mutable_role_of_the_app_is_granted_what_the_job_uses() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    repository = ecr.Repository.from_repository_name(stack, "Repo", "my-training")
    job(stack, "Job", objective=Objective.maximize("validation:accuracy"),
        strategy=Hyperband(min_resource=1, max_resource=10),
        training=training(role=role, image=TrainingImage.from_ecr_repository(repository, "v1", metric_definitions=[
            __import__("sagemaker_hpo").MetricDefinition("validation:accuracy", "acc=([0-9.]+)")]),
            static_hyperparameters={"epochs": 10}))  # fmt: skip
    template = cdk.assertions.Template.from_stack(stack).to_json()
    statements = role_statements(template, _id(stack, role))
    flat = json.dumps(statements)
    assert "s3:GetObject" in flat and "s3:PutObject" in flat and "ecr:BatchGetImage" in flat
    assert ':s3:::my-data/train/*"' in flat and "repository/my-training" in flat


def test_image_uris_grant_their_repository_or_warn() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    literal = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/trainer:v3"
    first = job(stack, "Literal", training=training(image=TrainingImage.from_image_uri(literal),
        metric_definitions=[__import__("sagemaker_hpo").MetricDefinition("validation:auc", "auc=([0-9.]+)")]))  # fmt: skip
    role = first.training_role
    assert isinstance(role, TrainingRole)
    flat = json.dumps(stack.resolve(role.node.find_child("DefaultPolicy").document.to_json()))
    assert "arn:aws:ecr:eu-west-1:111122223333:repository/team/trainer" in flat
    job(stack, "Token", training=training(image=TrainingImage.from_image_uri(cdk.Fn.ref("ImageUri")),
        metric_definitions=[__import__("sagemaker_hpo").MetricDefinition("validation:auc", "auc=([0-9.]+)")]))  # fmt: skip
    cdk.CfnParameter(stack, "ImageUri")
    Annotations.from_stack(stack).has_warning("/Stack/Token", Match.string_like_regexp("ImageUriNotGranted"))


def test_the_shared_platform_role_pulling_an_asset_warns() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    HpoPlatform(stack, "Platform", include_gpu_image=True)
    Annotations.from_stack(stack).has_warning("/Stack/Platform", Match.string_like_regexp("CdkAssetsRepositoryPull"))


# -- TuningJob: grants, connections, import by name -----------------------------------------------------------------


def test_tuning_job_grants_connections_and_import_by_name() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])  # fmt: skip
    in_vpc = job(stack, "Job", training=training(vpc=vpc))
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    in_vpc.grant_read(reader)
    imported = TuningJob.from_tuning_job_name(stack, "Old", "Old-Job-1")
    imported.grant_stop(reader)
    no_vpc = job(stack, "NoVpc")
    database = ec2.SecurityGroup(stack, "Database", vpc=vpc)
    database.connections.allow_from(in_vpc, ec2.Port.tcp(5432))
    template = cdk.assertions.Template.from_stack(stack).to_json()
    statements = role_statements(template, _id(stack, reader))
    read = next(s for s in statements if "sagemaker:DescribeHyperParameterTuningJob" in _actions(s))
    assert _actions(read) == ["sagemaker:DescribeHyperParameterTuningJob",
                              "sagemaker:ListTrainingJobsForHyperParameterTuningJob"]  # fmt: skip
    assert read["Resource"] == stack.resolve(in_vpc.tuning_job_arn)
    stop = next(s for s in statements if _actions(s) == ["sagemaker:StopHyperParameterTuningJob"])
    assert _flat(stop["Resource"]) == f"{JOB_ARN}old-job-1"
    ingress = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert any(r["Properties"].get("FromPort") == 5432 for r in ingress)
    with pytest.raises(ValidationError, match=r"^Stack/NoVpc: invalid connections: None; the job has no VPC"):
        _ = no_vpc.connections


def test_the_experiment_stacks_check_the_vision_guardrails_at_synth_time() -> None:
    app = default_app().app
    for name in ("XgboostHyperband", "MlpHyperband", "Resnet20Hyperband"):
        stack = app.node.find_child(name)
        platform = stack.node.find_child("Platform")
        assert guardrails_of(stack, platform.provider.service_token) == [VISION_GUARDRAILS], name
    assert RESEARCH_GUARDRAILS.required_tags == ["cost-center"]


def test_a_teams_deploy_role_can_be_granted_its_own_provider_only() -> None:
    stack = cdk.Stack(cdk.App(), "Platform")
    platform = HpoPlatform(stack, "Platform")
    vision, research = platform.add_team("vision"), platform.add_team("research")
    deployer = iam.Role(stack, "VisionDeployer", assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"))
    vision.grant_use_provider(deployer)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    (statement,) = role_statements(template, _id(stack, deployer))
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == stack.resolve(vision.provider.service_token)
    assert statement["Resource"] != stack.resolve(research.provider.service_token)


def test_a_consumer_with_an_environment_reads_the_published_guardrails_by_lookup() -> None:
    published = Guardrails(instance_types=["ml.m5.*"], max_training_runtime=cdk.Duration.hours(2), max_parallel_jobs=3)
    assert Guardrails.from_json(json.loads(json.dumps(published.to_json()))).to_json() == published.to_json()
    key = "ssm:account=111122223333:parameterName=/ml/teams/vision/guardrails:region=eu-west-1"
    app = cdk.App(context={key: json.dumps(published.to_json())})
    env = cdk.Environment(account="111122223333", region="eu-west-1")
    stack = cdk.Stack(app, "Consumer", env=env)
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace="/ml/", team="vision")
    assert platform.guardrails is not None and platform.guardrails.to_json() == published.to_json()
    with pytest.raises(ValidationError, match=r"^Consumer/Job: invalid training.instance_type: 'ml.p3.2xlarge'"):
        job(stack, "Job", provider=platform.provider, training=_team_training(platform, instance_type="ml.p3.2xlarge"))
    # Without the cached value the stack synthesizes (the CDK CLI looks it up, then synthesizes again).
    fresh = cdk.Stack(cdk.App(), "Fresh", env=env)
    assert HpoPlatform.from_parameters(fresh, "Platform", namespace="/ml/", team="vision").guardrails is None


def test_a_team_role_with_another_provider_is_an_error() -> None:
    platform = HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform")
    vision, research = platform.add_team("vision"), platform.add_team("research")
    stack = cdk.Stack.of(platform)
    own = training(role=vision.training_role, inputs={}, output_path=vision.output_location())
    with pytest.raises(ValidationError, match=r"^Stack/Own: invalid provider: .*belongs to the team 'vision'"):
        job(stack, "Own", training=own)
    with pytest.raises(ValidationError, match=r"^Stack/Other: invalid provider: .*belongs to the team 'vision'"):
        job(stack, "Other", training=own, provider=research.provider)
    _, consumer, imported = _consumer()
    with pytest.raises(ValidationError, match=r"^Consumer/Mine: invalid provider: .*belongs to the team 'vision'"):
        job(consumer, "Mine", training=_team_training(imported), provider=__import__("sagemaker_hpo").TuningJobProvider(
            consumer, "Mine-provider"))  # fmt: skip


def test_a_fixed_name_with_an_imported_team_provider_is_an_error_naming_the_prefix_parameter() -> None:
    _, stack, platform = _consumer()
    prefix = team_job_prefix("/ml/", "vision")
    with pytest.raises(ValidationError, match=rf"^Consumer/Fixed: invalid tuning_job_name: 'my-job'; the team 'vision''s "
                       rf"provider may only manage jobs named {prefix}-\.\.\. \(the SSM parameter "
                       r"/ml/teams/vision/provider-name-prefix holds the prefix\).*\[HPO-JOB-018\]$"):  # fmt: skip
        job(stack, "Fixed", provider=platform.provider, tuning_job_name="my-job", training=_team_training(platform))
    job(stack, "Ok", provider=platform.provider, tuning_job_name=f"{prefix}-job", training=_team_training(platform))
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("HPO-JOB-015"))
