"""Guardrails reach team apps (issue 16): a clean ``ValidationError`` wherever a job is checked, the deploy-time drift
rule on the published ``guardrails-digest``, and the value checks behind the new synth-time rules (bucket names,
instance types with local storage, ``S3Input.from_uri``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import (
    Guardrails,
    HpoPlatform,
    S3Input,
    S3Location,
    ValidationError,
)
from sagemaker_hpo.guardrail_checks import GUARDRAILS_DIGEST_KEY, NO_GUARDRAILS, guardrails_digest
from sagemaker_hpo.guardrails import GuardrailsAspect
from sagemaker_hpo.instance_storage import LOCAL_STORAGE_FAMILIES, LOCAL_STORAGE_INSTANCE_PATTERNS, has_local_storage
from sagemaker_hpo.locations import bucket_name_problem
from sagemaker_hpo.rules import service_model
from tests.construct_support import job, training
from tests.platform_apps import default_app
from tests.template_checks import cfn_lint_errors, new_app, synth_templates, template_paths

NAMESPACE = "/ml/"
VISION = Guardrails(instance_types=["ml.m5.*"], max_parallel_jobs=5, required_tags=())


def _team_job(stack: cdk.Stack, platform: Any, construct_id: str = "Job", **overrides: Any) -> Any:
    props: dict[str, Any] = {
        "role": platform.training_role,
        "inputs": {n: platform.data_input(f"x/{n}/", content_type="text/csv") for n in ("train", "validation")},
        "output_path": platform.output_location("x/"),
    }
    props.update(overrides)
    return job(stack, construct_id, provider=platform.provider, training=training(**props))


# -- synth time: a ValidationError in Python, whatever the order ------------------------------------------------------


def test_a_job_defined_before_the_platforms_guardrails_is_checked_when_they_arrive() -> None:
    """The platform reuses the stack's provider: a job of that provider defined earlier is checked at once."""
    stack = cdk.Stack(cdk.App(), "Stack")
    job(stack, "Early", training=training(instance_type="ml.c5.xlarge"))
    with pytest.raises(
        ValidationError, match=r"^Stack/Early: invalid training.instance_type: 'ml.c5.xlarge'"
    ) as raised:
        HpoPlatform(stack, "Platform", guardrails=Guardrails(instance_types=["ml.m5.*"]))
    assert raised.value.rule_id == "HPO-GUARD-001"


def test_a_manually_added_aspect_reports_an_error_annotation_not_a_jsii_exception() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    tuning = job(stack, "Job", training=training(instance_type="ml.c5.xlarge"))
    cdk.Aspects.of(stack).add(GuardrailsAspect(Guardrails(max_parallel_jobs=2), tuning.provider.service_token))
    app.synth()  # no RuntimeError from inside jsii
    Annotations.from_stack(stack).has_error(
        "/Stack/Job", Match.string_like_regexp(r"invalid max_parallel_jobs: 5; .*\[HPO-GUARD-003\]")
    )


# -- deploy time: the drift rule ---------------------------------------------------------------------------------------


def _drift_rule(template: dict[str, Any]) -> tuple[str, str, str]:
    """(the SSM parameter the rule reads, the digest it expects, its message) of a template's one drift rule."""
    rules = [r for name, r in template.get("Rules", {}).items() if name.startswith("PlatformGuardrailsDriftCheck")]
    assert len(rules) == 1, template.get("Rules")
    (assertion,) = rules[0]["Assertions"]
    reference, expected = assertion["Assert"]["Fn::Equals"]
    parameter = template["Parameters"][reference["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    return parameter["Default"], expected, assertion["AssertDescription"]


def _rule_holds(template: dict[str, Any], published: dict[str, str]) -> bool:
    """What CloudFormation decides: ``Fn::Equals`` of the published parameter value and the expected digest."""
    name, expected, _ = _drift_rule(template)
    return published[name] == expected


@cache
def _published_digests() -> dict[str, str]:
    """The ``guardrails-digest`` parameters a platform with a guarded team ``vision`` publishes, by name."""
    stack = cdk.Stack(cdk.App(), "Platform")
    platform = HpoPlatform(stack, "Platform", namespace=NAMESPACE)
    platform.add_team("vision", guardrails=VISION)
    platform.add_team("research")
    template = cdk.assertions.Template.from_stack(stack).to_json()
    values = {
        r["Properties"]["Name"]: r["Properties"]["Value"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SSM::Parameter"
    }
    return {name: value for name, value in values.items() if name.endswith(GUARDRAILS_DIGEST_KEY)}


def test_every_platform_and_team_publishes_the_digest_of_its_guardrails() -> None:
    assert _published_digests() == {
        f"{NAMESPACE}{GUARDRAILS_DIGEST_KEY}": NO_GUARDRAILS,
        f"{NAMESPACE}teams/vision/{GUARDRAILS_DIGEST_KEY}": guardrails_digest(VISION),
        f"{NAMESPACE}teams/research/{GUARDRAILS_DIGEST_KEY}": NO_GUARDRAILS,
    }
    assert guardrails_digest(VISION).startswith("sha256:") and len(guardrails_digest(VISION)) == 39
    assert guardrails_digest(Guardrails.from_json(json.loads(json.dumps(VISION.to_json())))) == guardrails_digest(
        VISION
    )
    assert guardrails_digest(Guardrails(instance_types=["ml.m5.*"], max_parallel_jobs=6)) != guardrails_digest(VISION)


def _consumer_template(**imported: Any) -> tuple[cdk.App, dict[str, Any]]:
    app = new_app()
    stack = cdk.Stack(app, "Consumer")
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace=NAMESPACE, team="vision", **imported)
    _team_job(stack, platform)
    return app, synth_templates(app)["Consumer"]


def test_an_unchecked_team_app_cannot_deploy_while_its_team_has_guardrails() -> None:
    """Environment-agnostic, no ``guardrails=``: nothing was checked at synth time, and the deployment says so."""
    app, template = _consumer_template()
    name, expected, message = _drift_rule(template)
    assert (name, expected) == (f"{NAMESPACE}teams/vision/{GUARDRAILS_DIGEST_KEY}", NO_GUARDRAILS)
    assert "were not checked against the guardrails of team 'vision'" in message
    assert "guardrails=" in message and "account and region" in message
    assert not _rule_holds(template, _published_digests())  # the team has guardrails: the deployment stops
    assert _rule_holds(template, {name: NO_GUARDRAILS})  # a team without guardrails deploys
    assert cfn_lint_errors(template_paths(app)) == []


def test_a_team_app_checked_against_the_current_guardrails_deploys_and_against_old_ones_does_not() -> None:
    _, current = _consumer_template(guardrails=VISION)
    name, expected, message = _drift_rule(current)
    assert expected == guardrails_digest(VISION)
    assert _rule_holds(current, _published_digests())
    _, old = _consumer_template(guardrails=Guardrails(instance_types=["ml.m5.*", "ml.c5.*"], max_parallel_jobs=5))
    assert not _rule_holds(old, _published_digests())
    assert "are no longer the ones this stack's tuning jobs were checked against" in _drift_rule(old)[2]
    assert "cdk.context.json" in message


def test_the_looked_up_guardrails_are_the_ones_the_rule_expects() -> None:
    key = f"ssm:account=111122223333:parameterName={NAMESPACE}teams/vision/guardrails:region=eu-west-1"
    app = new_app(**{key: json.dumps(VISION.to_json())})
    stack = cdk.Stack(app, "Consumer", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace=NAMESPACE, team="vision")
    _team_job(stack, platform)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert _rule_holds(template, _published_digests())


def test_a_stack_that_imports_a_platform_without_jobs_has_no_drift_rule() -> None:
    stack = cdk.Stack(cdk.App(), "Buckets")
    HpoPlatform.from_parameters(stack, "Platform", namespace=NAMESPACE, team="vision")
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert not any(name.startswith("PlatformGuardrails") for name in template.get("Rules", {}))


def test_the_default_apps_experiment_stacks_deploy_against_the_published_vision_guardrails() -> None:
    templates = default_app().templates
    published = {
        r["Properties"]["Name"]: r["Properties"]["Value"]
        for r in templates["HpoPlatform"]["Resources"].values()
        if r["Type"] == "AWS::SSM::Parameter" and r["Properties"]["Name"].endswith(GUARDRAILS_DIGEST_KEY)
    }
    checked = [name for name, t in templates.items() if "PlatformGuardrailsDriftCheck" in str(t.get("Rules", {}))]
    assert checked, "no experiment stack carries the drift rule"
    for name in checked:
        assert _rule_holds(templates[name], published), name


# -- the facts behind the new rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["abc", "my.data-1", "a" * 63, "1bucket", "data-xn--x", "my-s3alias-data"])
def test_valid_bucket_names(name: str) -> None:
    assert bucket_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab", "3 to 63 characters"),
        ("a" * 64, "3 to 63 characters"),
        ("My-Data", "only lower-case letters"),
        ("my_data", "only lower-case letters"),
        ("-data", "begin and end with a letter or digit"),
        ("data.", "begin and end with a letter or digit"),
        ("my..data", "two adjacent dots"),
        ("10.0.0.1", "IP address"),
        ("xn--data", "start with 'xn--'"),
        ("sthree-data", "start with 'sthree-'"),
        ("amzn-s3-demo-data", "start with 'amzn-s3-demo-'"),
        ("data-s3alias", "end with '-s3alias'"),
        ("data--ol-s3", "end with '--ol-s3'"),
        ("data.mrap", "end with '.mrap'"),
        ("data--x-s3", "end with '--x-s3'"),
        ("data--table-s3", "end with '--table-s3'"),
    ],
)
def test_each_bucket_naming_rule(name: str, problem: str) -> None:
    assert problem in (bucket_name_problem(name) or "")


def test_s3_uri_factories_raise_validation_errors_with_field_and_rule_id() -> None:
    with pytest.raises(ValidationError, match=r"^S3Input.from_uri: invalid uri: '/local'; not an S3 URI") as raised:
        S3Input.from_uri("/local")
    assert (raised.value.field, raised.value.rule_id) == ("uri", "HPO-DATA-001")
    with pytest.raises(ValidationError, match=r"^S3Location.from_uri: invalid uri: 's3://Bad_Bucket/x'.*") as raised:
        S3Location.from_uri("s3://Bad_Bucket/x")
    assert raised.value.rule_id == "HPO-DATA-002" and str(raised.value).endswith("[HPO-DATA-002]")
    assert S3Input.from_uri("s3://my-data/train/").location == S3Location("my-data", "train/")


def test_the_local_storage_families_are_training_families_of_the_shipped_model() -> None:
    families = {t.rsplit(".", 1)[0] for t in service_model.enum("TrainingInstanceType")}
    assert LOCAL_STORAGE_FAMILIES <= families
    assert {"ml.g4dn", "ml.g5", "ml.p4d"} <= LOCAL_STORAGE_FAMILIES
    assert has_local_storage("ml.g4dn.xlarge") and not has_local_storage("ml.m5.xlarge")
    assert not has_local_storage("ml.p3.2xlarge") and has_local_storage("ml.p3dn.24xlarge")
    assert "ml.g4dn.*" in LOCAL_STORAGE_INSTANCE_PATTERNS
