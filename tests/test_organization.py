"""The organisation roll-out (``HpoOrganizationRollout``): the StackSet, the member template, the central assets
and their policies, the default app's context switch, and the ORG rules.

The member template also passes the template checks of ``tests/test_security.py`` (imported below, run against it).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_hpo import Guardrails, TrainingImage, ValidationError
from sagemaker_hpo.organization import CallAs, HpoOrganizationRollout, OperationPreferences, RegionConcurrency
from stacks.app_builder import build_app
from stacks.organization_stack import ROLLOUT_STACK_ID, add_organization_rollout
from tests.iam_evaluator import Decision, PolicyModel, Request, evaluate
from tests.platform_apps import Synthesized
from tests.template_checks import cfn_lint_errors, nag_findings, new_app, resources_of_type, synth_templates

# The template checks of the single-account platform, run here against the member template (``synthesized``).
from tests.test_security import (  # noqa: F401
    test_cdk_destroy_leaves_data_artifacts_and_key_in_place,
    test_every_bucket_is_private_encrypted_versioned_tls_only_and_retained,
    test_kms_is_used_only_through_s3_or_for_volumes_on_a_named_key,
    test_kms_keys_rotate_and_are_retained,
    test_log_groups_have_a_retention,
    test_no_role_has_aws_managed_policies,
    test_no_statement_allows_all_actions_or_a_whole_service,
    test_pass_role_names_roles_and_only_to_sagemaker,
    test_resource_star_only_for_actions_without_resource_level_permissions,
    test_sagemaker_mutating_actions_are_never_on_every_resource,
    test_training_roles_trust_sagemaker_from_this_account_only,
)

ACCOUNT = "111111111111"
MEMBER_ACCOUNT = "222222222222"
OUS = ["ou-ab12-11111111", "ou-ab12-22222222"]
REGIONS = ["us-east-1", "eu-west-1"]
ORG_ID = "o-a1b2c3d4e5"
#: The CDK CLI's bootstrap template (what ``npx cdk bootstrap --show-template`` prints), from the pinned CLI.
BOOTSTRAP_TEMPLATE = (
    Path(__file__).resolve().parents[1] / "node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml"
)


@cache
def org_app() -> tuple[cdk.App, HpoOrganizationRollout, dict[str, dict[str, Any]], dict[str, Any], list[str]]:
    """The default app's roll-out (given organisation id), synthesized once with cdk-nag."""
    app = new_app(
        org_ous=",".join(OUS),
        org_regions=",".join(REGIONS),
        org_id=ORG_ID,
        org_cdk_bootstrap_template=str(BOOTSTRAP_TEMPLATE),
    )
    rollout = add_organization_rollout(app, ACCOUNT)
    assert isinstance(rollout, HpoOrganizationRollout)
    findings = nag_findings(app)
    templates = synth_templates(app)
    member_file = next(Path(app.outdir).glob("*.stackset.template.json"))
    return app, rollout, templates, json.loads(member_file.read_text()), findings


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    app, rollout, _, member, findings = org_app()
    return Synthesized(app, findings, {"Member": member}, {"rollout": rollout})


def _home() -> dict[str, Any]:
    return org_app()[2][ROLLOUT_STACK_ID]


def _member() -> dict[str, Any]:
    return org_app()[3]


def _stack_sets() -> dict[str, dict[str, Any]]:
    """The roll-out's StackSets by name."""
    stack_sets = resources_of_type(_home(), "AWS::CloudFormation::StackSet").values()
    return {s["Properties"]["StackSetName"]: s for s in stack_sets}


def _stack_set() -> dict[str, Any]:
    return _stack_sets()["sagemaker-hpo-default"]["Properties"]


def _evaluate(value: Any, parameters: dict[str, str], region: str, account: str) -> Any:
    """Evaluate the intrinsic functions a template uses for names and URIs, in one account and region."""
    pseudo = {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    names = {**pseudo, **parameters}
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_evaluate(item, parameters, region, account) for item in value]
    ((function, argument),) = value.items()
    if function == "Ref":
        return names[argument]
    if function == "Fn::Join":
        delimiter, items = argument
        return delimiter.join(str(_evaluate(item, parameters, region, account)) for item in items)
    if function == "Fn::Sub":
        text = argument
        for name, replacement in names.items():
            text = text.replace("${" + name + "}", replacement)
        return text
    if function == "Fn::Split":
        delimiter, source = argument
        return str(_evaluate(source, parameters, region, account)).split(delimiter)
    if function == "Fn::Select":
        index, items = argument
        return _evaluate(items, parameters, region, account)[int(index)]
    raise AssertionError(f"unexpected {function}")


def _member_parameters() -> dict[str, str]:
    """The StackSet's parameter values as CloudFormation resolves them in the publishing account."""
    return {
        p["ParameterKey"]: _evaluate(p["ParameterValue"], {}, "us-east-1", ACCOUNT) for p in _stack_set()["Parameters"]
    }


# -- the StackSet --------------------------------------------------------------------------------------------------


def test_stack_set_targets_the_ous_and_regions_with_auto_deployment_that_retains_stacks() -> None:
    properties = _stack_set()
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
    assert properties["StackInstancesGroup"] == [
        {"DeploymentTargets": {"AccountFilterType": "NONE", "OrganizationalUnitIds": OUS}, "Regions": REGIONS}
    ]
    assert sorted(properties["Capabilities"]) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    assert properties["ManagedExecution"] == {"Active": True}
    assert properties["CallAs"] == "SELF"
    assert properties["StackSetName"] == "sagemaker-hpo-default"
    assert properties["OperationPreferences"] == {
        "FailureTolerancePercentage": 10,
        "MaxConcurrentPercentage": 25,
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": REGIONS,
    }


def test_delegated_administrator_and_operation_preferences_are_passed_through() -> None:
    app = new_app()
    rollout = HpoOrganizationRollout(
        app,
        "Rollout",
        env=cdk.Environment(region="eu-west-1"),
        organizational_units=["r-ab12"],
        regions=REGIONS,
        organization_id=ORG_ID,
        call_as=CallAs.DELEGATED_ADMIN,
        auto_deploy=False,
        operation_preferences=OperationPreferences(
            max_concurrent_count=3,
            failure_tolerance_count=0,
            region_concurrency=RegionConcurrency.PARALLEL,
            region_order=["eu-west-1", "us-east-1"],
        ),
    )
    template = cdk.assertions.Template.from_stack(rollout)
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "CallAs": "DELEGATED_ADMIN",
            "AutoDeployment": {"Enabled": False},
            "OperationPreferences": {
                "MaxConcurrentCount": 3,
                "FailureToleranceCount": 0,
                "RegionConcurrencyType": "PARALLEL",
                "RegionOrder": ["eu-west-1", "us-east-1"],
            },
        },
    )


def test_cdk_bootstrap_is_rolled_out_to_the_same_targets_after_the_platform() -> None:
    stack_sets = _stack_sets()
    bootstrap = stack_sets["cdk-bootstrap-hnb659fds"]
    properties = bootstrap["Properties"]
    platform = _stack_set()
    for key in ("StackInstancesGroup", "AutoDeployment", "OperationPreferences", "PermissionModel", "CallAs"):
        assert properties[key] == platform[key], key
    assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in properties["Parameters"]} == {
        "Qualifier": "hnb659fds",
        "TrustedAccounts": "",
        "CloudFormationExecutionPolicies": "arn:aws:iam::aws:policy/AdministratorAccess",
    }
    assert ".yaml" in json.dumps(properties["TemplateURL"])
    platform_id = next(k for k, v in resources_of_type(_home(), "AWS::CloudFormation::StackSet").items()
                       if v["Properties"]["StackSetName"] == "sagemaker-hpo-default")  # fmt: skip
    assert platform_id in bootstrap["DependsOn"]


def test_each_team_gets_a_bootstrap_bounded_by_its_deploy_policy_named_alike_in_every_account() -> None:
    _, rollout, _, member, _ = org_app()
    for team in rollout.platform.teams.values():
        name = f"cdk-{team.qualifier}-cfn-exec-boundary"
        properties = _stack_sets()[f"cdk-bootstrap-{team.qualifier}"]["Properties"]
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in properties["Parameters"]}
        assert parameters["Qualifier"] == team.qualifier
        assert parameters["InputPermissionsBoundary"] == name
        policies = [
            p for p in resources_of_type(member, "AWS::IAM::ManagedPolicy").values()
            if p["Properties"].get("ManagedPolicyName") == name
        ]  # fmt: skip
        assert len(policies) == 1, name
        assert "lambda:InvokeFunction" in json.dumps(policies[0]["Properties"]["PolicyDocument"])


def test_a_team_qualifier_bootstrap_is_bounded_by_a_policy_of_each_account() -> None:
    rollout = _rollout()
    rollout.add_cdk_bootstrap(
        "VisionBootstrap",
        template_file=str(BOOTSTRAP_TEMPLATE),
        qualifier="vision",
        trusted_accounts=[ACCOUNT],
        permissions_boundary="sagemaker-hpo-vision-deploy",
    )
    template = cdk.assertions.Template.from_stack(rollout)
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "StackSetName": "cdk-bootstrap-vision",
            "Parameters": cdk.assertions.Match.array_with(
                [
                    {"ParameterKey": "Qualifier", "ParameterValue": "vision"},
                    {"ParameterKey": "TrustedAccounts", "ParameterValue": ACCOUNT},
                    {"ParameterKey": "InputPermissionsBoundary", "ParameterValue": "sagemaker-hpo-vision-deploy"},
                ]
            ),
        },
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"template_file": __file__}, "template_file"),
        ({"qualifier": "much-too-long"}, "qualifier"),
        ({"trusted_accounts": ["1234"]}, "trusted_accounts"),
        ({"execution_policies": ["arn:aws:iam::111111111111:policy/mine"]}, "execution_policies"),
    ],
)
def test_bad_cdk_bootstrap_props_are_refused(overrides: dict[str, Any], field: str) -> None:
    props: dict[str, Any] = {"template_file": str(BOOTSTRAP_TEMPLATE), **overrides}
    with pytest.raises(ValidationError) as raised:
        _rollout().add_cdk_bootstrap("Bootstrap", **props)
    assert (raised.value.rule_id, raised.value.field) == ("HPO-ORG-009", field)


# -- the member template ------------------------------------------------------------------------------------------


def test_member_template_needs_no_cdk_bootstrap() -> None:
    member = _member()
    assert "BootstrapVersion" not in member.get("Parameters", {})
    assert "CheckBootstrapVersion" not in member.get("Rules", {})
    assert set(member["Parameters"]) == {"AssetBucketPrefix", "PublishingAccount"}
    assert "cdk-hnb659fds" not in json.dumps(member), "the member template names a CDK bootstrap resource"
    assert set(_member_parameters()) == set(member["Parameters"])


@pytest.mark.parametrize("region", REGIONS)
def test_member_functions_load_their_code_from_the_central_bucket_of_their_region(region: str) -> None:
    functions = resources_of_type(_member(), "AWS::Lambda::Function")
    assert functions
    home = _home()
    copied = {
        _evaluate(d["Properties"]["DestinationBucketName"], {}, "us-east-1", ACCOUNT)
        for d in resources_of_type(home, "Custom::CDKBucketDeployment").values()
    }
    regional = org_app()[2][f"{ROLLOUT_STACK_ID}-Assets-{region}"]
    (bucket,) = resources_of_type(regional, "AWS::S3::Bucket").values()
    bucket_name = _evaluate(bucket["Properties"]["BucketName"], {}, region, ACCOUNT)
    assert bucket_name == f"sagemaker-hpo-assets-{ACCOUNT}-{region}"
    assert bucket_name in copied
    for logical_id, function in functions.items():
        code = function["Properties"]["Code"]
        assert _evaluate(code["S3Bucket"], _member_parameters(), region, MEMBER_ACCOUNT) == bucket_name, logical_id


@pytest.mark.parametrize("region", REGIONS)
def test_member_training_image_is_the_replica_of_its_region(region: str) -> None:
    parameters = resources_of_type(_member(), "AWS::SSM::Parameter")
    image_uris = [p["Properties"] for p in parameters.values() if p["Properties"]["Name"].endswith("images/gpu/uri")]
    assert len(image_uris) == 2  # the platform's and the vision team's
    (copy,) = resources_of_type(_home(), "Custom::CDKECRDeployment").values()
    central = org_app()[1].central_image
    assert central is not None
    tag = central.tag
    destination = copy["Properties"]["DestImage"]["Fn::Join"][1]
    assert destination[0] == "docker://" and destination[-1] == f":{tag}"
    for properties in image_uris:
        uri = _evaluate(properties["Value"], _member_parameters(), region, MEMBER_ACCOUNT)
        assert uri == f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/sagemaker-hpo/gpu-training:{tag}"


def test_image_replicates_to_every_other_region_and_replicas_get_the_organisation_pull_policy() -> None:
    (replication,) = resources_of_type(_home(), "AWS::ECR::ReplicationConfiguration").values()
    (rule,) = replication["Properties"]["ReplicationConfiguration"]["Rules"]
    assert [d["Region"] for d in rule["Destinations"]] == ["eu-west-1"]
    assert rule["RepositoryFilters"] == [{"Filter": "sagemaker-hpo", "FilterType": "PREFIX_MATCH"}]
    templates = org_app()[2]
    assert not resources_of_type(
        templates[f"{ROLLOUT_STACK_ID}-Assets-us-east-1"], "AWS::ECR::RepositoryCreationTemplate"
    )
    (creation,) = resources_of_type(
        templates[f"{ROLLOUT_STACK_ID}-Assets-eu-west-1"], "AWS::ECR::RepositoryCreationTemplate"
    ).values()
    assert creation["Properties"]["AppliedFor"] == ["REPLICATION"]
    assert creation["Properties"]["Prefix"] == "sagemaker-hpo"
    policy = json.loads(_evaluate(creation["Properties"]["RepositoryPolicy"], {}, "eu-west-1", ACCOUNT))
    _assert_organisation_only(policy["Statement"], {"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                                    "ecr:GetDownloadUrlForLayer"})  # fmt: skip


def _assert_organisation_only(statements: list[dict[str, Any]], read_actions: set[str]) -> None:
    """Every Allow names the organisation (aws:PrincipalOrgID) and only ``read_actions``."""
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] in ({"AWS": "*"}, "*")
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert set(actions) == read_actions


def test_central_buckets_and_repository_are_readable_by_the_organisation_only() -> None:
    templates = org_app()[2]
    for region in REGIONS:
        regional = templates[f"{ROLLOUT_STACK_ID}-Assets-{region}"]
        (policy,) = resources_of_type(regional, "AWS::S3::BucketPolicy").values()
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        _assert_organisation_only(statements, {"s3:GetObject", "s3:GetObjectVersion"})
        (bucket,) = resources_of_type(regional, "AWS::S3::Bucket").values()
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    (repository,) = resources_of_type(_home(), "AWS::ECR::Repository").values()
    _assert_organisation_only(
        repository["Properties"]["RepositoryPolicyText"]["Statement"],
        {"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
    )
    assert repository["DeletionPolicy"] == "Retain"


#: A principal of a member account, and one of an account outside the organisation (their own policies allow all).
MEMBER_ROLE = "arn:aws:iam::444455556666:role/member-training-role"
OUTSIDER_ROLE = "arn:aws:iam::777788889999:role/outsider"


def _org_model() -> PolicyModel:
    """The evaluator's model of the publishing account's templates (home region) and two foreign principals."""
    templates = org_app()[2]
    kept = ("AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::ECR::Repository")  # the resource policies only
    model = PolicyModel.from_templates(
        {
            name: {"Resources": {k: r for k, r in templates[name]["Resources"].items() if r["Type"] in kept}}
            for name in (ROLLOUT_STACK_ID, f"{ROLLOUT_STACK_ID}-Assets-us-east-1")
        }
    )
    for principal in (MEMBER_ROLE, OUTSIDER_ROLE):
        everything = {"Effect": "Allow", "Action": ["s3:*", "ecr:*"], "Resource": "*"}
        model.add_role(principal, [{"Version": "2012-10-17", "Statement": [everything]}])
    return model


def _request(principal: str, action: str, resource: str, context: dict[str, str] | None = None) -> Request:
    return Request(principal=principal, action=action, resource=resource, context=context or {})


def test_the_evaluator_lets_the_organisation_read_the_central_assets_and_nobody_else() -> None:
    model = _org_model()
    regional = org_app()[1].asset_stacks["us-east-1"]
    code = f"{model.arn(regional.bucket)}/0123abcd.zip"
    repository = org_app()[1].central_image
    assert repository is not None
    image = model.arn(repository.repository)
    in_org = {"aws:PrincipalOrgID": ORG_ID}
    cases = [
        (_request(MEMBER_ROLE, "s3:GetObject", code, in_org), Decision.ALLOWED),
        (
            _request(MEMBER_ROLE, "s3:GetObject", code, {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}),
            Decision.IMPLICITLY_DENIED,
        ),
        (_request(OUTSIDER_ROLE, "s3:GetObject", code), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "s3:PutObject", code, in_org), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "s3:DeleteObject", code, in_org), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "s3:ListBucket", model.arn(regional.bucket), in_org), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "ecr:BatchGetImage", image, in_org), Decision.ALLOWED),
        (_request(MEMBER_ROLE, "ecr:GetDownloadUrlForLayer", image, in_org), Decision.ALLOWED),
        (_request(OUTSIDER_ROLE, "ecr:BatchGetImage", image), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "ecr:PutImage", image, in_org), Decision.IMPLICITLY_DENIED),
        (_request(MEMBER_ROLE, "ecr:DeleteRepository", image, in_org), Decision.IMPLICITLY_DENIED),
    ]
    decisions = evaluate(model, [request for request, _ in cases])
    assert [(c.action, c.principal, d) for (c, _), d in zip(cases, decisions, strict=True)] == [
        (c.action, c.principal, expected) for c, expected in cases
    ]


def test_home_stack_deploys_after_every_asset_stack() -> None:
    _, rollout, _, _, _ = org_app()
    assert {s.stack_name for s in rollout.dependencies} == {f"{ROLLOUT_STACK_ID}-Assets-{r}" for r in REGIONS}


def test_cdk_nag_finds_nothing_unacknowledged_in_the_roll_out_and_its_member_template() -> None:
    app, _, _, _, findings = org_app()
    assert findings == []
    report = json.loads((Path(app.outdir) / "validation-report.json").read_text())
    assert "Member/Platform" in json.dumps(report), "cdk-nag did not inspect the member template"


def test_cfn_lint_reports_no_errors_in_any_template() -> None:
    app = org_app()[0]
    paths = sorted(Path(app.outdir).glob("*.template.json"))
    assert any(p.name.endswith(".stackset.template.json") for p in paths)
    assert len(paths) == 1 + 1 + len(REGIONS)  # the home stack, the member template, one asset stack per region
    assert cfn_lint_errors(paths) == []


def test_organisation_id_is_looked_up_when_not_given() -> None:
    app = new_app()
    rollout = HpoOrganizationRollout(
        app, "Rollout", env=cdk.Environment(region="us-east-1"), organizational_units=OUS, regions=["us-east-1"]
    )
    template = cdk.assertions.Template.from_stack(rollout.asset_stacks["us-east-1"])
    template.has_resource_properties(
        "Custom::AWS", {"Create": cdk.assertions.Match.string_like_regexp("describeOrganization")}
    )


# -- the default app ----------------------------------------------------------------------------------------------


def test_default_app_adds_the_roll_out_only_with_the_context() -> None:
    without = build_app(new_app())
    assert without.node.try_find_child(ROLLOUT_STACK_ID) is None
    with_context = build_app(new_app(org_ous=",".join(OUS), org_regions=",".join(REGIONS)))
    names = {child.node.id for child in with_context.node.children}
    assert {ROLLOUT_STACK_ID, f"{ROLLOUT_STACK_ID}-Assets-us-east-1", f"{ROLLOUT_STACK_ID}-Assets-eu-west-1"} <= names


# -- bad input (HPO-ORG-*) ----------------------------------------------------------------------------------------


def _rollout(**overrides: Any) -> HpoOrganizationRollout:
    props: dict[str, Any] = {
        "env": cdk.Environment(region="us-east-1"),
        "organizational_units": OUS,
        "regions": REGIONS,
        "organization_id": ORG_ID,
    }
    props.update(overrides)
    scope = props.pop("scope", None) or new_app()
    return HpoOrganizationRollout(scope, "Rollout", **props)


BAD_PROPS: list[tuple[dict[str, Any], str, str]] = [
    ({"organizational_units": []}, "HPO-ORG-001", "organizational_units"),
    ({"organizational_units": ["ou-1234"]}, "HPO-ORG-001", "organizational_units"),
    ({"organizational_units": [OUS[0], OUS[0]]}, "HPO-ORG-001", "organizational_units"),
    ({"regions": []}, "HPO-ORG-002", "regions"),
    ({"regions": ["us-east"]}, "HPO-ORG-002", "regions"),
    ({"regions": ["eu-west-1", "eu-west-1"]}, "HPO-ORG-002", "regions"),
    ({"asset_regions": ["us-east-1"]}, "HPO-ORG-003", "asset_regions"),
    ({"env": cdk.Environment(account=ACCOUNT)}, "HPO-ORG-004", "env"),
    ({"organization_id": "o-short"}, "HPO-ORG-005", "organization_id"),
    (
        {"operation_preferences": OperationPreferences(max_concurrent_count=2, max_concurrent_percentage=5)},
        "HPO-ORG-006",
        "operation_preferences.max_concurrent_count",
    ),
    (
        {"operation_preferences": OperationPreferences(failure_tolerance_percentage=101)},
        "HPO-ORG-006",
        "operation_preferences.failure_tolerance_percentage",
    ),
    (
        {"operation_preferences": OperationPreferences(region_order=["ap-south-1"])},
        "HPO-ORG-006",
        "operation_preferences.region_order",
    ),
    ({"guardrails": Guardrails(require_vpc=True)}, "HPO-ORG-008", "guardrails.require_vpc"),
]
#: The ORG rules with a failing case here (tests/test_rules_registry.py counts them with tests/rules/'s).
FAILING_RULE_IDS = {rule_id for _, rule_id, _ in BAD_PROPS} | {"HPO-ORG-007", "HPO-ORG-008", "HPO-ORG-009"}
#: The ORG rules ``test_valid_roll_out_props_pass`` passes (every one: it raises nothing).
PASSING_RULE_IDS = {f"HPO-ORG-{n:03d}" for n in range(1, 10)}


@pytest.mark.parametrize(("overrides", "rule_id", "field"), BAD_PROPS)
def test_bad_roll_out_props_are_refused_naming_the_field_and_rule(
    overrides: dict[str, Any], rule_id: str, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        _rollout(**overrides)
    assert raised.value.rule_id == rule_id
    assert raised.value.field == field
    assert raised.value.path == "Rollout"


def test_a_roll_out_inside_a_stack_is_refused() -> None:
    stack = cdk.Stack(new_app(), "Stack")
    with pytest.raises(ValidationError, match=r"HPO-ORG-007"):
        _rollout(scope=stack)


def test_team_settings_that_cannot_work_in_member_accounts_are_refused() -> None:
    rollout = _rollout()
    with pytest.raises(ValidationError) as raised:
        rollout.add_team("vision", guardrails=Guardrails(require_vpc=True))
    assert (raised.value.rule_id, raised.value.field) == ("HPO-ORG-008", "teams.vision.guardrails.require_vpc")
    with pytest.raises(ValidationError) as raised:
        rollout.add_team("research", images={"own": TrainingImage.from_asset(str(Path(__file__).parent))})
    assert (raised.value.rule_id, raised.value.field) == ("HPO-ORG-008", "teams.research.images.own")
    assert "include_gpu_image" in str(raised.value)


def test_valid_roll_out_props_pass() -> None:
    rollout = _rollout(
        organizational_units=["r-ab12", "ou-ab12-abcdefgh"],
        regions=["us-gov-west-1", "ap-southeast-2"],
        env=cdk.Environment(region="us-gov-west-1"),
        operation_preferences=OperationPreferences(max_concurrent_count=1, failure_tolerance_percentage=0),
    )
    rollout.add_team("vision", guardrails=Guardrails(instance_types=["ml.g5.*"]))
    rollout.add_cdk_bootstrap("Bootstrap", template_file=str(BOOTSTRAP_TEMPLATE), qualifier="vision_01")
    assert set(rollout.asset_stacks) == {"us-gov-west-1", "ap-southeast-2"}
