"""``attach_guardrails``: the one function a platform and a team attach their guardrails with (Deny statements on
the provider's handler role, synth-time checks of the provider's jobs, the guardrails and digest parameters)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import sagemaker_hpo.platform as platform_module
import sagemaker_hpo.team as team_module
from sagemaker_hpo import Guardrails, HpoPlatform, ValidationError
from sagemaker_hpo import parameter_schema as schema
from sagemaker_hpo.guardrail_attachment import attach_guardrails
from sagemaker_hpo.guardrail_checks import guardrails_digest, guardrails_of
from sagemaker_hpo.guardrails import SID_PREFIX
from sagemaker_hpo.provider import TuningJobProvider
from tests.construct_support import job, training
from tests.template_checks import iam_statements

PLATFORM_LIMITS = Guardrails(max_parallel_jobs=2, instance_types=["ml.m5.*"])
TEAM_LIMITS = Guardrails(max_parallel_jobs=3, require_kms=True)


def _guardrail_sids(template: dict[str, Any], role_logical_id: str) -> set[str]:
    """The guardrail Deny statements' Sids of the policies attached to the role ``role_logical_id``."""
    resources = template["Resources"]
    return {
        str(s.statement.get("Sid"))
        for s in iam_statements(template)
        if s.effect == "Deny"
        and str(s.statement.get("Sid", "")).startswith(SID_PREFIX)
        and {"Ref": role_logical_id} in resources[s.logical_id]["Properties"].get("Roles", [])
    }


@pytest.fixture(scope="module")
def attached(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A platform and a team whose construction is recorded: who called attach_guardrails, with what."""
    calls: list[dict[str, Any]] = []
    original = attach_guardrails

    def recording(scope: Any, guardrails: Any, **kwargs: Any) -> Any:
        calls.append({"scope": scope, "guardrails": guardrails, **kwargs})
        return original(scope, guardrails, **kwargs)

    patch = pytest.MonkeyPatch()
    request.addfinalizer(patch.undo)
    patch.setattr(platform_module, "attach_guardrails", recording)
    patch.setattr(team_module, "attach_guardrails", recording)
    stack = cdk.Stack(cdk.App(), "Attached")
    platform = HpoPlatform(stack, "Platform", guardrails=PLATFORM_LIMITS)
    team = platform.add_team("vision", guardrails=TEAM_LIMITS)
    plain = platform.add_team("plain")  # the platform's guardrails
    return {"calls": calls, "stack": stack, "platform": platform, "team": team, "plain": plain,
            "template": Template.from_stack(stack).to_json()}  # fmt: skip


def test_the_platform_and_each_team_attach_their_guardrails_through_the_one_function(attached: dict[str, Any]) -> None:
    platform, team, plain = attached["platform"], attached["team"], attached["plain"]
    by_scope = {call["scope"]: call for call in attached["calls"]}
    assert list(by_scope) == [platform, team, plain]
    assert by_scope[platform]["guardrails"] is PLATFORM_LIMITS and by_scope[platform]["provider"] is platform.provider
    assert by_scope[platform].get("volume_key_arn") is None
    assert by_scope[team]["guardrails"] is TEAM_LIMITS and by_scope[team]["provider"] is team.provider
    assert by_scope[team]["volume_key_arn"] == team.volume_key.key_arn
    assert by_scope[plain]["guardrails"] is PLATFORM_LIMITS


def test_each_provider_is_checked_against_its_own_guardrails(attached: dict[str, Any]) -> None:
    stack, platform, team = attached["stack"], attached["platform"], attached["team"]
    assert guardrails_of(stack, platform.provider.service_token) == [PLATFORM_LIMITS]
    assert guardrails_of(stack, team.provider.service_token) == [TEAM_LIMITS]
    with pytest.raises(ValidationError, match=r"max_parallel_jobs.*\[HPO-GUARD-"):
        job(stack, "TooWide", provider=team.provider, max_parallel_jobs=5, training=training(
            role=team.training_role, inputs={"train": team.data_input("x/", content_type="text/csv")},
            output_path=team.output_location("x/")))  # fmt: skip


def test_the_deny_statements_are_on_each_providers_handler_role(attached: dict[str, Any]) -> None:
    stack, platform, team = attached["stack"], attached["platform"], attached["team"]
    for provider, limits in ((platform.provider, PLATFORM_LIMITS), (team.provider, TEAM_LIMITS)):
        role_id = stack.get_logical_id(provider.handler_role.node.default_child)
        expected = {statement.sid for statement in limits.deny_statements(["arn:x"], key_arn="k", volume_key_arn="v")}
        assert expected and _guardrail_sids(attached["template"], role_id) == expected, provider.node.path


def test_the_guardrails_and_their_digest_are_published(attached: dict[str, Any]) -> None:
    for owner, limits in (
        (attached["platform"], PLATFORM_LIMITS),
        (attached["team"], TEAM_LIMITS),
        (attached["plain"], PLATFORM_LIMITS),
    ):
        stack = attached["stack"]
        published = {key: stack.resolve(p.node.default_child.value) for key, p in owner.parameters.items()}
        assert json.loads(published[schema.GUARDRAILS.key]) == limits.to_json()
        assert published[schema.GUARDRAILS_DIGEST.key] == guardrails_digest(limits)


def test_without_guardrails_only_the_none_digest_is_returned_and_nothing_is_denied() -> None:
    stack = cdk.Stack(cdk.App(), "Bare")
    provider = TuningJobProvider(stack, "Provider")
    before = len(Template.from_stack(stack).to_json()["Resources"])
    assert attach_guardrails(stack, None, provider=provider) == [(schema.GUARDRAILS_DIGEST, "none")]
    assert guardrails_of(stack, provider.service_token) == []
    assert len(Template.from_stack(stack).to_json()["Resources"]) == before
    platform = HpoPlatform(cdk.Stack(cdk.App(), "NoLimits"), "Platform")
    team = platform.add_team("vision")
    for owner in (platform, team):
        keys = set(owner.parameters)
        assert schema.GUARDRAILS.key not in keys and schema.GUARDRAILS_DIGEST.key in keys
