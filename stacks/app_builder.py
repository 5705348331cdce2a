"""Builds the default app's stacks; tests call ``build_app`` directly.

The app holds the platform stack (``HpoPlatform`` with the teams ``vision`` and ``research``) and the three
experiment stacks, which belong to the ``vision`` team. Tuning-job stacks read their team from SSM (the same pattern
a separate app would use): no cross-stack exports pin the platform, and each stack depends on the platform stack only
for deployment order. To add a stack, write a class that takes ``platform_namespace``, ``team`` and ``guardrails``
and add it with ``add_tuning_stack``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk

from sagemaker_hpo import Hyperband
from stacks.mlp_stack import MlpHyperbandStack
from stacks.organization_stack import add_organization_rollout
from stacks.platform_stack import VISION_TEAM, HpoPlatformStack
from stacks.resnet20_stack import Resnet20HyperbandStack
from stacks.strategy_switch import stack_name_for, strategy_for, strategy_name
from stacks.xgboost_stack import PUBLISHED_HYPERBAND, XgboostHyperbandStack

#: The stack id (and name) of the platform stack.
PLATFORM_STACK_ID = "HpoPlatform"


def environment() -> cdk.Environment | None:
    """Account and region from the usual CDK variables when present; otherwise environment-agnostic stacks."""
    account = os.environ.get("CDK_DEPLOY_ACCOUNT") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEPLOY_REGION") or os.environ.get("CDK_DEFAULT_REGION")
    if account or region:
        return cdk.Environment(account=account, region=region)
    return None


def add_tuning_stack(
    app: cdk.App, platform: HpoPlatformStack, stack_class: Callable[..., cdk.Stack], construct_id: str, **kwargs: Any
) -> cdk.Stack:
    """Add ``stack_class(app, construct_id, platform_namespace=..., team=..., guardrails=..., **kwargs)``, a stack of
    the ``vision`` team deployed after ``platform``."""
    team = platform.platform.teams[VISION_TEAM]
    stack = stack_class(
        app, construct_id, platform_namespace=platform.namespace, team=team.name, guardrails=team.guardrails, **kwargs
    )
    stack.add_stack_dependency(platform, "imports the platform's SSM parameters")
    return stack


def build_app(app: cdk.App) -> cdk.App:
    """Add the default stacks to ``app`` and return it.

    ``-c strategy=hyperband|bayesian|random`` switches the three experiments' strategy, everything else equal;
    ``-c org_ous=... -c org_regions=...`` adds the organisation roll-out (``stacks.organization_stack``).
    """
    env = environment()
    choice = strategy_name(app.node)
    platform = HpoPlatformStack(app, PLATFORM_STACK_ID, env=env)
    experiments: list[tuple[str, type[cdk.Stack], Hyperband]] = [
        ("XgboostHyperband", XgboostHyperbandStack, PUBLISHED_HYPERBAND),
        ("MlpHyperband", MlpHyperbandStack, Hyperband(min_resource=1)),
        ("Resnet20Hyperband", Resnet20HyperbandStack, Hyperband(min_resource=1)),
    ]
    for construct_id, stack_class, hyperband in experiments:
        add_tuning_stack(
            app,
            platform,
            stack_class,
            construct_id,
            env=env,
            strategy=strategy_for(choice, hyperband),
            stack_name=stack_name_for(construct_id, choice),
        )
    add_organization_rollout(app, env.account if env else None)
    return app
