"""``TuningJobProvider`` as composed parts: its settings (defaults once, user overrides merged, each value checked by
an ``HPO-PROVIDER`` rule) and its lookup by stack without a process-wide cache."""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Token
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from sagemaker_hpo import DEFAULT_PROVIDER_SETTINGS, ProviderSettings, TuningJobProvider, ValidationError
from sagemaker_hpo import provider as provider_module
from sagemaker_hpo._contract import contract
from sagemaker_hpo.provider_settings import consolidate_settings


def _template(**props: Any) -> dict[str, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, "ProviderStack")
    TuningJobProvider(stack, "Provider", **props)
    return Template.from_stack(stack).to_json()  # type: ignore[no-any-return]


def _handlers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The two handler functions' properties, by handler entry point."""
    handlers = {contract.ON_EVENT_HANDLER, contract.IS_COMPLETE_HANDLER}
    return {
        r["Properties"]["Handler"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") in handlers
    }


def _retention(template: dict[str, Any]) -> list[int]:
    return [
        r["Properties"]["RetentionInDays"] for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"
    ]


@pytest.fixture(scope="module")
def default_template() -> dict[str, Any]:
    return _template()


@pytest.fixture(scope="module")
def overridden_template() -> dict[str, Any]:
    return _template(
        settings=ProviderSettings(
            on_event_timeout=Duration.minutes(2),
            is_complete_timeout=Duration.seconds(45),
            memory_size=1024,
            architecture=lambda_.Architecture.X86_64,
            log_retention=logs.RetentionDays.ONE_YEAR,
        )
    )


def test_defaults_are_the_settings_of_a_provider_without_overrides(default_template: dict[str, Any]) -> None:
    handlers = _handlers(default_template)
    assert len(handlers) == 2
    for props in handlers.values():
        assert props["Timeout"] == 300
        assert props["MemorySize"] == 256
        assert props["Architectures"] == ["arm64"]
    assert _retention(default_template) == [90]


def test_each_override_renders(overridden_template: dict[str, Any]) -> None:
    handlers = _handlers(overridden_template)
    assert handlers[contract.ON_EVENT_HANDLER]["Timeout"] == 120
    assert handlers[contract.IS_COMPLETE_HANDLER]["Timeout"] == 45
    for props in handlers.values():
        assert props["MemorySize"] == 1024
        assert props["Architectures"] == ["x86_64"]
    assert _retention(overridden_template) == [365]


def test_consolidate_takes_each_field_from_the_last_layer_that_sets_it() -> None:
    user = ProviderSettings(memory_size=512)
    merged = consolidate_settings(DEFAULT_PROVIDER_SETTINGS, user, None, ProviderSettings(memory_size=1024))
    assert merged.memory_size == 1024
    assert merged.on_event_timeout is DEFAULT_PROVIDER_SETTINGS.on_event_timeout
    assert merged.architecture is DEFAULT_PROVIDER_SETTINGS.architecture
    assert consolidate_settings(DEFAULT_PROVIDER_SETTINGS) == DEFAULT_PROVIDER_SETTINGS
    assert all(getattr(DEFAULT_PROVIDER_SETTINGS, f.name) is not None for f in dataclasses.fields(ProviderSettings))


def test_log_retention_prop_overrides_the_settings() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    provider = TuningJobProvider(
        stack,
        "Provider",
        settings=ProviderSettings(log_retention=logs.RetentionDays.ONE_YEAR, memory_size=512),
        log_retention=logs.RetentionDays.ONE_WEEK,
    )
    assert provider.settings.log_retention is logs.RetentionDays.ONE_WEEK
    assert provider.settings.memory_size == 512


#: A bad setting, the rule that refuses it and the field named in the error.
BAD_SETTINGS = [
    (ProviderSettings(on_event_timeout=Duration.minutes(16)), "HPO-PROVIDER-001", "settings.on_event_timeout"),
    (ProviderSettings(on_event_timeout=Duration.millis(500)), "HPO-PROVIDER-001", "settings.on_event_timeout"),
    (ProviderSettings(on_event_timeout=Duration.millis(1500)), "HPO-PROVIDER-001", "settings.on_event_timeout"),
    (ProviderSettings(on_event_timeout=300), "HPO-PROVIDER-001", "settings.on_event_timeout"),  # type: ignore[arg-type]
    (ProviderSettings(is_complete_timeout=Duration.hours(1)), "HPO-PROVIDER-002", "settings.is_complete_timeout"),
    (ProviderSettings(memory_size=64), "HPO-PROVIDER-003", "settings.memory_size"),
    (ProviderSettings(memory_size=10241), "HPO-PROVIDER-003", "settings.memory_size"),
    (ProviderSettings(memory_size=512.5), "HPO-PROVIDER-003", "settings.memory_size"),  # type: ignore[arg-type]
    (ProviderSettings(architecture=lambda_.Architecture.custom("riscv")), "HPO-PROVIDER-004", "settings.architecture"),
    (ProviderSettings(architecture="arm64"), "HPO-PROVIDER-004", "settings.architecture"),  # type: ignore[arg-type]
    (ProviderSettings(log_retention=30), "HPO-PROVIDER-005", "settings.log_retention"),  # type: ignore[arg-type]
]
#: Each rule id with a failing case (tests/test_rules_registry.py).
FAILING_RULE_IDS = {rule_id for _, rule_id, _ in BAD_SETTINGS}
#: Each rule id with a passing case: the defaults and the overrides above pass them all.
PASSING_RULE_IDS = {f"HPO-PROVIDER-{n:03d}" for n in range(1, 6)}


@pytest.mark.parametrize(("settings", "rule_id", "field"), BAD_SETTINGS, ids=[f"{r}:{f}" for _, r, f in BAD_SETTINGS])
def test_each_bad_setting_is_refused_with_its_rule_id(settings: ProviderSettings, rule_id: str, field: str) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValidationError) as raised:
        TuningJobProvider(stack, "Provider", settings=settings)
    assert raised.value.rule_id == rule_id
    assert raised.value.field == field
    assert raised.value.path == "S/Provider"
    assert f"[{rule_id}]" in str(raised.value)
    assert stack.node.try_find_child("Provider") is not None  # refused before any function was defined
    assert not [c for c in stack.node.find_all() if isinstance(c, lambda_.Function)]


def test_tokens_are_skipped() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    memory = Token.as_number(cdk.CfnParameter(stack, "Memory", type="Number").value_as_number)
    timeout = Duration.seconds(cdk.CfnParameter(stack, "Timeout", type="Number").value_as_number)
    provider = TuningJobProvider(
        stack, "Provider", settings=ProviderSettings(memory_size=memory, on_event_timeout=timeout)
    )
    assert provider.settings.memory_size is memory


def test_of_finds_the_stack_s_provider_in_its_tree_and_keeps_no_process_cache() -> None:
    """Two apps in one process each get their own provider, found in the stack's tree; the module holds no map of
    stacks (a process-wide cache kept every stack and its provider alive, and answered for stacks by identity)."""
    providers = []
    for _ in range(2):
        stack = cdk.Stack(cdk.App(), "Same")
        provider = TuningJobProvider.of(stack)
        assert TuningJobProvider.of(stack) is provider
        assert stack.node.find_child(provider_module.PROVIDER_ID) is provider
        providers.append(provider)
    assert providers[0] is not providers[1]
    assert cdk.Stack.of(providers[0]) is not cdk.Stack.of(providers[1])
    caches = [
        name
        for name, value in vars(provider_module).items()
        if isinstance(value, (dict, weakref.WeakKeyDictionary, weakref.WeakValueDictionary))
        and not name.startswith("__")
    ]
    assert caches == []


def test_of_uses_a_provider_defined_before_it_with_the_provider_id() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    own = TuningJobProvider(stack, provider_module.PROVIDER_ID, settings=ProviderSettings(memory_size=512))
    assert TuningJobProvider.of(stack) is own
