"""Builds the default app's stacks; tests call ``build_app`` directly."""

from __future__ import annotations

import os

import aws_cdk as cdk

from stacks.xgboost_stack import XgboostHyperbandStack


def environment() -> cdk.Environment | None:
    """Account and region from the usual CDK variables when present; otherwise environment-agnostic stacks."""
    account = os.environ.get("CDK_DEPLOY_ACCOUNT") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEPLOY_REGION") or os.environ.get("CDK_DEFAULT_REGION")
    if account or region:
        return cdk.Environment(account=account, region=region)
    return None


def build_app(app: cdk.App) -> cdk.App:
    """Add the default stacks to ``app`` and return it."""
    env = environment()
    XgboostHyperbandStack(app, "XgboostHyperband", env=env)
    return app
