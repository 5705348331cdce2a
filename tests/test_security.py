"""Security evidence over every stack of the default app, a platform app and an app importing the platform.

cdk-nag (``AwsSolutionsChecks``) finds nothing unacknowledged; each acknowledgement is made by the library
construct that causes the finding, names the exact finding, gives a specific reason, is used, and is listed in
README's Security section. The templates pass cfn-lint without errors, and the template walkers below check
buckets, keys and every IAM statement directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.platform_apps import ALL_APPS, Synthesized
from tests.template_checks import (
    cfn_lint_errors,
    iam_statements,
    nag_acknowledgements,
    recorded_acknowledgements,
    resources_of_type,
    template_paths,
)

ROOT = Path(__file__).resolve().parents[1]

#: Actions allowed on ``Resource: *``: they have no resource-level permissions.
STAR_RESOURCE_ACTIONS = {
    "cloudwatch:PutMetricData",  # limited by a cloudwatch:namespace condition (checked below)
    "ecr:GetAuthorizationToken",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
}
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Search", "BatchGet", "BatchDescribe")


@pytest.fixture(scope="module", params=sorted(ALL_APPS))
def synthesized(request: pytest.FixtureRequest) -> Synthesized:
    builder: Callable[[], Synthesized] = ALL_APPS[request.param]
    return builder()


def _templates(synthesized: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    return sorted(synthesized.templates.items())


# -- cdk-nag -------------------------------------------------------------------------------------------------------


def test_cdk_nag_finds_nothing_unacknowledged(synthesized: Synthesized) -> None:
    assert synthesized.findings == []


def test_each_acknowledgement_names_an_exact_finding_with_a_specific_reason_and_is_used(
    synthesized: Synthesized,
) -> None:
    used = {(a.acknowledged_at, a.rule) for a in nag_acknowledgements(synthesized.app)}
    for path, rule_id, reason in recorded_acknowledgements(synthesized.app):
        namespace, _, rule = rule_id.partition("::")
        assert namespace == "AwsSolutions", rule_id
        if rule.startswith("AwsSolutions-IAM"):
            assert re.fullmatch(r"AwsSolutions-IAM5\[(Resource|Action)::.+\]", rule), f"not one finding: {rule}"
        assert len(reason) >= 80 and "TODO" not in reason, f"{path}: {rule}: reason too vague: {reason!r}"
        assert (path, rule) in used, f"stale acknowledgement at {path}: {rule} matches no finding"


def test_acknowledgements_are_made_by_library_constructs_never_by_a_stack(synthesized: Synthesized) -> None:
    stacks = {child.node.path for child in synthesized.app.node.children}
    for acknowledged in nag_acknowledgements(synthesized.app):
        assert acknowledged.acknowledged_at not in stacks, acknowledged
        assert re.search(
            r"/(TrainingRole|SageMakerHpoTuningJobProvider|Team-[a-z0-9-]+/(Provider|CfnExecutionPolicy|DeployerPolicy))"
            r"(/|$)",
            acknowledged.acknowledged_at,
        ), acknowledged
        assert all(c.startswith(acknowledged.acknowledged_at + "/") for c in acknowledged.constructs), acknowledged


def _readme_security_section() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Security\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, "README.md has no '## Security' section"
    return match.group(1)


#: How README names each kind of acknowledged finding (logical ids and prefixes vary per stack).
ACKNOWLEDGEMENT_KINDS = [
    (r"IAM5\[Resource::\*\]$", "AwsSolutions-IAM5[Resource::*]"),
    (r"log-group:/aws/sagemaker/TrainingJobs:\*\]$", "log-group:/aws/sagemaker/TrainingJobs:*"),
    (r"TrainingJobs:log-stream:[a-z0-9]+-\*\]$", "log-stream:<team prefix>-*"),
    (r":parameter/[\w./-]+/teams/[a-z0-9-]+/\*\]$", "parameter<team namespace>*"),
    (r":role/cdk-[a-z0-9]+-[a-z-]+-\*\]$", "role/cdk-<qualifier>-<role>-*"),
    (r"hyper-parameter-tuning-job/[a-z0-9]+-\*\]$", "hyper-parameter-tuning-job/<name prefix>-*"),
    (r"IAM5\[Resource::<\w+\.Arn>:\*\]$", "<function>.Arn>:*"),
    (
        r"IAM5\[Resource::(<\w+\.Arn>|arn:<AWS::Partition>:s3:::[^/]+|[\w-]+:ExportsOutput\w+)/[^\]]*\*\]$",
        "<bucket>/<prefix>*",
    ),
    (r"-SF1$", "AwsSolutions-SF1"),
    (r"-SF2$", "AwsSolutions-SF2"),
]


def test_readme_security_section_lists_every_kind_of_acknowledgement(synthesized: Synthesized) -> None:
    section = _readme_security_section()
    for acknowledged in nag_acknowledgements(synthesized.app):
        kinds = [readme for pattern, readme in ACKNOWLEDGEMENT_KINDS if re.search(pattern, acknowledged.rule)]
        assert kinds, f"an acknowledgement of a kind README does not describe: {acknowledged.rule}"
        assert kinds[0] in section, f"README's Security section does not list {kinds[0]}"


# -- cfn-lint ------------------------------------------------------------------------------------------------------


def test_cfn_lint_reports_no_errors(synthesized: Synthesized) -> None:
    paths = template_paths(synthesized.app)
    assert len(paths) == len(synthesized.templates)
    assert cfn_lint_errors(paths) == []


# -- buckets and keys ----------------------------------------------------------------------------------------------


def _bucket_policies(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    policies: dict[str, list[dict[str, Any]]] = {}
    for policy in resources_of_type(template, "AWS::S3::BucketPolicy").values():
        bucket = policy["Properties"]["Bucket"]["Ref"]
        policies.setdefault(bucket, []).extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return policies


def test_every_bucket_is_private_encrypted_versioned_tls_only_and_retained(synthesized: Synthesized) -> None:
    checked = 0
    for _, template in _templates(synthesized):
        policies = _bucket_policies(template)
        for logical_id, bucket in resources_of_type(template, "AWS::S3::Bucket").items():
            checked += 1
            properties = bucket["Properties"]
            assert properties["PublicAccessBlockConfiguration"] == {
                "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True}, logical_id  # fmt: skip
            encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"aws:kms", "AES256"}
            if encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms":
                assert encryption["BucketKeyEnabled"] is True
                assert "KMSMasterKeyID" in encryption["ServerSideEncryptionByDefault"]
                assert "LoggingConfiguration" in properties, f"{logical_id} has no server access logs"
            assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
            assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
            assert "AccessControl" not in properties
            assert bucket.get("DeletionPolicy") == "Retain" and bucket.get("UpdateReplacePolicy") == "Retain"
            tls = [
                s for s in policies.get(logical_id, [])
                if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            ]  # fmt: skip
            assert tls and tls[0]["Principal"] == {"AWS": "*"} and tls[0]["Action"] == "s3:*", logical_id
    if synthesized.templates.get("HpoPlatform") or synthesized.templates.get("Platform"):
        assert checked == 3


def test_kms_keys_rotate_and_are_retained(synthesized: Synthesized) -> None:
    for _, template in _templates(synthesized):
        for logical_id, key in resources_of_type(template, "AWS::KMS::Key").items():
            assert key["Properties"]["EnableKeyRotation"] is True, logical_id
            assert key.get("DeletionPolicy") == "Retain" and key.get("UpdateReplacePolicy") == "Retain", logical_id


def test_cdk_destroy_leaves_data_artifacts_and_key_in_place(synthesized: Synthesized) -> None:
    for name, template in _templates(synthesized):
        assert not resources_of_type(template, "Custom::S3AutoDeleteObjects"), name
        for resource_type in ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup"):
            for logical_id, resource in resources_of_type(template, resource_type).items():
                assert resource.get("DeletionPolicy") == "Retain", f"{name}/{logical_id}"


def test_log_groups_have_a_retention(synthesized: Synthesized) -> None:
    for _, template in _templates(synthesized):
        for logical_id, group in resources_of_type(template, "AWS::Logs::LogGroup").items():
            assert group["Properties"].get("RetentionInDays"), logical_id


# -- IAM -----------------------------------------------------------------------------------------------------------


def _allows(synthesized: Synthesized) -> list[tuple[str, Any]]:
    return [(name, s) for name, t in _templates(synthesized) for s in iam_statements(t) if s.effect == "Allow"]


def test_no_statement_allows_all_actions_or_a_whole_service(synthesized: Synthesized) -> None:
    for name, statement in _allows(synthesized):
        assert "NotAction" not in statement.statement and "NotResource" not in statement.statement
        for action in statement.actions:
            assert action != "*" and not str(action).endswith(":*"), f"{name}/{statement.logical_id}: {action}"
            assert "*" not in str(action), f"{name}/{statement.logical_id}: wildcard action {action}"


def test_resource_star_only_for_actions_without_resource_level_permissions(synthesized: Synthesized) -> None:
    for name, statement in _allows(synthesized):
        if "*" in statement.resources:
            assert set(statement.actions) <= STAR_RESOURCE_ACTIONS, f"{name}/{statement.logical_id}: {statement}"
            if "cloudwatch:PutMetricData" in statement.actions:
                assert statement.conditions == {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}}


def test_pass_role_names_roles_and_only_to_sagemaker(synthesized: Synthesized) -> None:
    for name, statement in _allows(synthesized):
        if any(str(a).lower() == "iam:passrole" for a in statement.actions):
            assert statement.actions == ["iam:PassRole"], statement
            assert statement.resources and "*" not in json.dumps(statement.resources), f"{name}: {statement}"
            for resource in statement.resources:
                assert "Fn::GetAtt" in resource or ":role/" in json.dumps(resource), resource
            assert statement.conditions == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_sagemaker_mutating_actions_are_never_on_every_resource(synthesized: Synthesized) -> None:
    for name, statement in _allows(synthesized):
        mutating = [
            a for a in statement.actions
            if str(a).startswith("sagemaker:") and not str(a).split(":", 1)[1].startswith(READ_ONLY_PREFIXES)
        ]  # fmt: skip
        if mutating:
            assert "*" not in statement.resources, f"{name}/{statement.logical_id}: {mutating} on *"
            for resource in statement.resources:
                assert "hyper-parameter-tuning-job/" in json.dumps(resource), resource


#: A training role's use of one named key for its instances' storage volumes (a team's role, the platform key).
VOLUME_KEY_ACTIONS = ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey"]


def test_kms_is_used_only_through_s3_or_for_volumes_on_a_named_key(synthesized: Synthesized) -> None:
    for name, statement in _allows(synthesized):
        if any(str(a).startswith("kms:") for a in statement.actions):
            if statement.actions == VOLUME_KEY_ACTIONS and not statement.conditions:
                assert "*" not in json.dumps(statement.resources), f"{name}/{statement.logical_id}: {statement}"
                assert all("Fn::GetAtt" in r or ":key/" in json.dumps(r) for r in statement.resources), statement
                continue
            via = statement.conditions.get("StringEquals", {}).get("kms:ViaService")
            assert via is not None and "s3." in json.dumps(via), f"{name}/{statement.logical_id}: {statement}"


def test_no_role_has_aws_managed_policies(synthesized: Synthesized) -> None:
    for _, template in _templates(synthesized):
        for logical_id, role in resources_of_type(template, "AWS::IAM::Role").items():
            assert not role["Properties"].get("ManagedPolicyArns"), logical_id
        # The only managed policies are the teams' deploy policies (customer managed, attached to no role here).
        for logical_id, policy in resources_of_type(template, "AWS::IAM::ManagedPolicy").items():
            assert policy["Properties"]["Description"].startswith("sagemaker-hpo team "), logical_id
            assert not any(policy["Properties"].get(k) for k in ("Roles", "Users", "Groups")), logical_id


def test_training_roles_trust_sagemaker_from_this_account_only(synthesized: Synthesized) -> None:
    for _, template in _templates(synthesized):
        for role in resources_of_type(template, "AWS::IAM::Role").values():
            for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                if statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}:
                    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
