"""The organisation roll-out of the default app: ``cdk synth -c org_ous=ou-...,ou-... -c org_regions=us-east-1,...``.

It rolls out the same platform as ``HpoPlatformStack`` (teams ``vision`` and ``research`` with their guardrails) as
a service-managed StackSet, with the packaged GPU training image published centrally and replicated to every target
region for the vision team. Without the two context values the app has no roll-out.
"""

from __future__ import annotations

import os

import aws_cdk as cdk

from sagemaker_hpo.platform import GPU_IMAGE_NAME
from stacks.platform_stack import RESEARCH_GUARDRAILS, RESEARCH_TEAM, VISION_GUARDRAILS, VISION_TEAM

#: The roll-out stack's id (its asset stacks are ``<id>-Assets-<region>``).
ROLLOUT_STACK_ID = "HpoOrgRollout"
#: The context keys: comma-separated OU ids and regions, the organisation id (else looked up at deploy time), the
#: home region (else CDK_DEFAULT_REGION, else the first target region) and ``org_delegated_admin=true``.
OUS_CONTEXT, REGIONS_CONTEXT, ORG_ID_CONTEXT, HOME_REGION_CONTEXT, DELEGATED_CONTEXT = (
    "org_ous",
    "org_regions",
    "org_id",
    "org_home_region",
    "org_delegated_admin",
)
#: The context key of the CDK bootstrap template to roll out too (``npx cdk bootstrap --show-template``).
BOOTSTRAP_TEMPLATE_CONTEXT = "org_cdk_bootstrap_template"


def _context_list(app: cdk.App, key: str) -> list[str]:
    value = app.node.try_get_context(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def add_organization_rollout(app: cdk.App, account: str | None = None) -> cdk.Stack | None:
    """Add the roll-out when ``org_ous`` or ``org_regions`` is in the context (both are then required); else None."""
    ous, regions = _context_list(app, OUS_CONTEXT), _context_list(app, REGIONS_CONTEXT)
    if not ous and not regions:
        return None
    from sagemaker_hpo.organization import CallAs, HpoOrganizationRollout

    home = (
        app.node.try_get_context(HOME_REGION_CONTEXT)
        or os.environ.get("CDK_DEFAULT_REGION")
        or (regions[0] if regions else None)
    )
    delegated = str(app.node.try_get_context(DELEGATED_CONTEXT)).lower() == "true"
    rollout = HpoOrganizationRollout(
        app,
        ROLLOUT_STACK_ID,
        env=cdk.Environment(account=account, region=home),
        organizational_units=ous,
        regions=regions,
        organization_id=app.node.try_get_context(ORG_ID_CONTEXT),
        include_gpu_image=True,
        call_as=CallAs.DELEGATED_ADMIN if delegated else CallAs.SELF,
    )
    vision_repositories = [rollout.gpu_repository] if rollout.gpu_repository else []
    vision_images = {GPU_IMAGE_NAME: rollout.gpu_image} if rollout.gpu_image else {}
    vision = rollout.add_team(
        VISION_TEAM,
        repositories=vision_repositories,
        images=vision_images,
        guardrails=VISION_GUARDRAILS,
    )
    research = rollout.add_team(RESEARCH_TEAM, guardrails=RESEARCH_GUARDRAILS)
    bootstrap_template = app.node.try_get_context(BOOTSTRAP_TEMPLATE_CONTEXT)
    if bootstrap_template:
        # The default qualifier for the platform team, and one per team bounded by the team's deploy policy.
        rollout.add_cdk_bootstrap("CdkBootstrap", template_file=str(bootstrap_template))
        for team in (vision, research):
            rollout.add_cdk_bootstrap(f"CdkBootstrap-{team.name}", template_file=str(bootstrap_template), team=team)
    return rollout
