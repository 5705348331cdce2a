"""``sagemaker_hpo.grants``: one strategy per kind of role, role profiles held weakly, the imported-role probe pinned to
the supported aws-cdk-lib range, and grants of many jobs on one role merged by bucket and prefix (#20)."""

from __future__ import annotations

import gc
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import tomllib
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from packaging.specifiers import SpecifierSet

from sagemaker_hpo import MetricDefinition, S3Input, S3Location, TrainingImage, TrainingRole
from sagemaker_hpo import grants as grants_module
from sagemaker_hpo.grants import (
    DeclaredRoleGrants,
    ImmutableRoleGrants,
    OwnedRoleGrants,
    RoleBinding,
    RoleGrants,
    TrainingRoleGrants,
    forbid_assets_repository,
    is_immutable_import,
    register_imported_role,
    team_of,
)
from tests.construct_support import job, training
from tests.iam_evaluator import Decision, PolicyModel, Request, evaluate
from tests.template_checks import new_app, synth_templates

ROOT = Path(__file__).resolve().parents[1]
ROLE_ARN = "arn:aws:iam::123456789012:role/external"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Stack")


# -- the imported-role probe, pinned to the supported aws-cdk-lib range ---------------------------------------------


def _supported_range() -> SpecifierSet:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in dependencies if re.match(r"aws-cdk-lib\b", d)]
    return SpecifierSet(spec.removeprefix("aws-cdk-lib"))


def test_the_installed_aws_cdk_lib_is_in_the_supported_range() -> None:
    assert version("aws-cdk-lib") in _supported_range()


def test_the_immutable_import_probe_holds_on_the_installed_aws_cdk_lib() -> None:
    """``is_immutable_import`` relies on how ``Role.from_role_arn`` builds an immutable role (a ``MutableRole<id>``
    sibling): if an aws-cdk-lib release changes that, this fails and the probe must change with it."""
    stack = _stack()
    immutable = iam.Role.from_role_arn(stack, "Immutable", ROLE_ARN, mutable=False)
    mutable = iam.Role.from_role_arn(stack, "Mutable", ROLE_ARN, mutable=True)
    owned = iam.Role(stack, "Owned", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    assert stack.node.try_find_child("MutableRoleImmutable") is not None
    assert stack.node.try_find_child("MutableRoleMutable") is None
    assert [is_immutable_import(r) for r in (immutable, mutable, owned)] == [True, False, False]


def test_the_public_answer_cannot_replace_the_probe() -> None:
    """An immutable import pretends to add a statement (``statement_added=True``) and adds none. If a release makes
    it answer truthfully, use that answer instead of ``is_immutable_import``."""
    stack = _stack()
    immutable = iam.Role.from_role_arn(stack, "Immutable", ROLE_ARN, mutable=False)
    statement = iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])
    assert immutable.add_to_principal_policy(statement).statement_added is True
    assert not [c for c in stack.node.find_all() if isinstance(c, iam.Policy)]


# -- the kind of role is decided once -------------------------------------------------------------------------------


def test_role_binding_of_picks_one_strategy_per_kind_of_role() -> None:
    stack = _stack()
    declared = iam.Role.from_role_arn(stack, "Declared", ROLE_ARN, mutable=False)
    register_imported_role(declared, RoleGrants(owner="the platform /p/", fix="Fix it."))
    kinds = {
        TrainingRoleGrants: TrainingRole(stack, "Training"),
        OwnedRoleGrants: iam.Role(stack, "Owned", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")),
        ImmutableRoleGrants: iam.Role.from_role_arn(stack, "Immutable", ROLE_ARN, mutable=False),
        DeclaredRoleGrants: declared,
    }
    for strategy, role in kinds.items():
        assert type(RoleBinding.of(stack, role)) is strategy
    mutable_import = iam.Role.from_role_arn(stack, "MutableImport", ROLE_ARN, mutable=True)
    assert type(RoleBinding.of(stack, mutable_import)) is OwnedRoleGrants


def test_role_profiles_are_held_weakly_and_found_only_with_their_role() -> None:
    stack = _stack()
    role = iam.Role.from_role_arn(stack, "Team", ROLE_ARN, mutable=False)
    other = iam.Role.from_role_arn(stack, "Other", ROLE_ARN, mutable=False)
    forbid_assets_repository(role, "team 'vision'", "vision")
    assert (team_of(role), team_of(other)) == ("vision", None)
    before = len(grants_module._PROFILES)
    del role
    gc.collect()
    assert len(grants_module._PROFILES) == before - 1  # no profile outlives its role


# -- grants of many jobs on one role merge by bucket and prefix -----------------------------------------------------


def _statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and logical_id.startswith(role_prefix)
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _two_jobs_on_two_prefixes(role_kind: str) -> tuple[cdk.App, cdk.Stack, iam.IRole]:
    # minimizePolicies off: the CDK writes each statement as the library added it.
    app = new_app(**{"@aws-cdk/aws-iam:minimizePolicies": False})
    stack = cdk.Stack(app, "Shared", env=cdk.Environment(account="111122223333", region="us-east-1"))
    role: iam.IRole
    if role_kind == "TrainingRole":
        role = TrainingRole(stack, "SharedRole")
    else:
        role = iam.Role(stack, "SharedRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    repository = ecr.Repository.from_repository_name(stack, "Repo", "trainer")
    for index in (1, 2):
        root = f"s3://my-data/jobs/{index}"
        image = TrainingImage.from_ecr_repository(repository, "v1")
        job(stack, f"Job{index}", training=training(
            role=role,
            image=image,
            metric_definitions=[MetricDefinition("validation:auc", "auc=([0-9.]+)")],
            inputs={"train": S3Input.from_uri(f"{root}/train/", content_type="text/csv")},
            output_path=f"{root}/output/",
        ))  # fmt: skip
    return app, stack, role


@pytest.fixture(scope="module", params=["TrainingRole", "iam.Role"])
def shared(request: pytest.FixtureRequest) -> tuple[dict[str, Any], PolicyModel, str]:
    app, stack, role = _two_jobs_on_two_prefixes(request.param)
    templates = synth_templates(app)
    model = PolicyModel.from_templates(templates)
    return templates["Shared"], model, model.arn(role)


def test_two_jobs_on_two_prefixes_share_one_statement_per_bucket_and_action_set(
    shared: tuple[dict[str, Any], PolicyModel, str],
) -> None:
    template, _, _ = shared
    statements = _statements(template, "SharedRole")
    by_actions: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        by_actions.setdefault(json.dumps(sorted(_as_list(statement["Action"]))), []).append(statement)
    reads = by_actions[json.dumps(["s3:GetObject"])]
    writes = by_actions[json.dumps(["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"])]
    listing = by_actions[json.dumps(["s3:ListBucket"])]
    pulls = by_actions[
        json.dumps(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])
    ]
    assert [len(_as_list(s["Resource"])) for s in (*reads, *writes, *pulls)] == [2, 2, 1]
    assert len(listing) == 1
    assert listing[0]["Condition"] == {
        "StringLike": {"s3:prefix": ["jobs/1/train/*", "jobs/1/output/*", "jobs/2/train/*", "jobs/2/output/*"]}
    }
    assert len(by_actions[json.dumps(["ecr:GetAuthorizationToken"])]) == 1  # not once per job
    texts = [json.dumps(s, sort_keys=True) for s in statements]
    assert len(texts) == len(set(texts))


def test_two_jobs_on_two_prefixes_reach_their_prefixes_and_not_a_third(
    shared: tuple[dict[str, Any], PolicyModel, str],
) -> None:
    _, model, role = shared
    bucket = "arn:aws:s3:::my-data"
    cases = {
        "job 1 reads its data": (Decision.ALLOWED, "s3:GetObject", f"{bucket}/jobs/1/train/a.csv", {}),
        "job 2 reads its data": (Decision.ALLOWED, "s3:GetObject", f"{bucket}/jobs/2/train/a.csv", {}),
        "job 2 writes its output": (Decision.ALLOWED, "s3:PutObject", f"{bucket}/jobs/2/output/m.tar.gz", {}),
        "job 1 lists its data": (Decision.ALLOWED, "s3:ListBucket", bucket, {"s3:prefix": "jobs/1/train/"}),
        "job 2 lists its output": (Decision.ALLOWED, "s3:ListBucket", bucket, {"s3:prefix": "jobs/2/output/x"}),
        "a third prefix is not read": (Decision.IMPLICITLY_DENIED, "s3:GetObject", f"{bucket}/jobs/3/train/a", {}),
        "a third prefix is not listed": (Decision.IMPLICITLY_DENIED, "s3:ListBucket", bucket, {"s3:prefix": "jobs/3/"}),
        "the whole bucket is not listed": (Decision.IMPLICITLY_DENIED, "s3:ListBucket", bucket, {}),
        "data is not written": (Decision.IMPLICITLY_DENIED, "s3:PutObject", f"{bucket}/jobs/1/train/a.csv", {}),
        "another bucket is not read": (Decision.IMPLICITLY_DENIED, "s3:GetObject", "arn:aws:s3:::other/jobs/1/train/a", {}),
    }  # fmt: skip
    requests = [
        Request(principal=role, action=action, resource=resource, context=context)
        for _, action, resource, context in cases.values()
    ]
    decisions = evaluate(model, requests)
    assert dict(zip(cases, decisions, strict=True)) == {name: case[0] for name, case in cases.items()}


def test_a_grant_after_the_policy_was_rendered_starts_a_new_statement() -> None:
    stack = _stack()
    role = TrainingRole(stack, "Role")
    role.grant_read_data(S3Location.from_uri("s3://my-data/one/"))
    document = role.node.find_child("DefaultPolicy").document
    stack.resolve(document)  # rendering freezes the statements
    role.grant_read_data(S3Location.from_uri("s3://my-data/two/"))
    text = json.dumps(stack.resolve(document))
    assert "my-data/one/*" in text and "my-data/two/*" in text


def test_an_app_role_used_by_two_jobs_in_one_vpc_gets_each_vpc_statement_once() -> None:
    stack = _stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])  # fmt: skip
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    for name in ("One", "Two"):
        job(stack, name, training=training(role=role, vpc=vpc))
    document = role.node.find_child("DefaultPolicy").document
    texts = [json.dumps(s, sort_keys=True) for s in stack.resolve(document)["Statement"]]
    # The CDK drops identical statements when it renders; none was added twice in the first place.
    assert document.statement_count == len(texts) == len(set(texts))
    assert sum("ec2:CreateNetworkInterface" in t for t in texts) == 1
    assert sum("ec2:DescribeSubnets" in t for t in texts) == 1
