"""HPO-ORG: the organisation roll-out (``sagemaker_hpo.organization.HpoOrganizationRollout``).

The rules inspect a :class:`RolloutSpec`, the roll-out's props as given, and a :class:`MemberSetting`, a setting of
the platform or a team that is rolled out to member accounts. Each error names the field and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import is_unresolved
from ._registry import Finding, Source, rule

#: An organizational unit id (``ou-<root>-<ou>``) or the organisation's root id (``r-<root>``), from the
#: AWS Organizations API reference (OrganizationalUnit.Id and Root.Id patterns).
OU_ID_PATTERN = re.compile(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$")
#: An organisation id (AWS Organizations API reference, Organization.Id).
ORGANIZATION_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}$")
#: A region name such as ``us-east-1``, ``eu-central-2``, ``us-gov-west-1`` or ``ap-southeast-5``.
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")


@dataclass(frozen=True)
class OperationPreferencesSpec:
    """The operation preferences as given (see ``OperationPreferences``)."""

    max_concurrent_percentage: int | None
    max_concurrent_count: int | None
    failure_tolerance_percentage: int | None
    failure_tolerance_count: int | None
    region_order: Sequence[str] | None


@dataclass(frozen=True)
class RolloutSpec:
    """A roll-out's props, as passed.

    :param organizational_units: the target OU (or root) ids.
    :param regions: the target regions.
    :param asset_regions: the regions the central assets are published to.
    :param home_region: the region of the roll-out's own stack (the management or delegated administrator account).
    :param organization_id: the organisation's id, or ``None`` to look it up at deploy time.
    :param preferences: the operation preferences.
    :param in_stack: whether the roll-out was defined inside a ``Stack`` (it creates stacks of its own).
    """

    organizational_units: Sequence[str]
    regions: Sequence[str]
    asset_regions: Sequence[str]
    home_region: str | None
    organization_id: str | None
    preferences: OperationPreferencesSpec
    in_stack: bool


@dataclass(frozen=True)
class MemberSetting:
    """A platform or team setting rolled out to member accounts: ``field`` and its ``value``.

    :param field: the prop, e.g. ``platform.vpc`` or ``teams.vision.guardrails.require_vpc``.
    :param value: the value given.
    :param kind: what the value is, for the rules: ``image`` (a Docker image asset) or ``require_vpc``.
    """

    field: str
    value: Any
    kind: str


def _unique_non_empty(finding: Finding, field: str, values: Sequence[str], what: str) -> None:
    if not list(values):
        finding.fail(field, [], f"must name at least one {what}")
    seen: set[str] = set()
    for value in values:
        if value in seen:
            finding.fail(field, value, f"is listed twice; name each {what} once")
        seen.add(value)


@rule(
    "HPO-ORG-001",
    statement="A roll-out targets at least one organizational unit (or the root), each a well-formed id, listed once.",
    field="DeploymentTargets.OrganizationalUnitIds",
    source=Source.LIBRARY,
    reference="AWS Organizations API reference: OrganizationalUnit.Id ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$, "
    "Root.Id ^r-[0-9a-z]{4,32}$",
    subjects=RolloutSpec,
)
def _organizational_units(spec: RolloutSpec, finding: Finding) -> None:
    _unique_non_empty(finding, "organizational_units", spec.organizational_units, "organizational unit")
    for ou in spec.organizational_units:
        if is_unresolved(ou):
            continue
        if not isinstance(ou, str) or not OU_ID_PATTERN.match(ou):
            finding.fail(
                "organizational_units",
                ou,
                "must be an OU id such as ou-ab12-cd34ef56 (or the root id r-ab12); "
                "`aws organizations list-organizational-units-for-parent` lists them",
            )


@rule(
    "HPO-ORG-002",
    statement="A roll-out targets at least one region, each a region name, listed once.",
    field="StackInstancesGroup.Regions",
    source=Source.LIBRARY,
    reference="region names such as us-east-1 (AWS General Reference, Regions and endpoints)",
    subjects=RolloutSpec,
)
def _regions(spec: RolloutSpec, finding: Finding) -> None:
    _unique_non_empty(finding, "regions", spec.regions, "region")
    for region in spec.regions:
        if is_unresolved(region) or not isinstance(region, str) or not REGION_PATTERN.match(region):
            finding.fail("regions", region, "must be region names known at synth time, such as us-east-1")


@rule(
    "HPO-ORG-003",
    statement="Every target region has the central assets (handler code bucket, training image replica).",
    field="regions",
    source=Source.LIBRARY,
    reference="Lambda reads its code from a bucket in its own region; SageMaker pulls images from its own region",
    subjects=RolloutSpec,
)
def _assets_in_every_region(spec: RolloutSpec, finding: Finding) -> None:
    missing = [region for region in spec.regions if region not in spec.asset_regions]
    if missing:
        finding.fail(
            "asset_regions",
            list(spec.asset_regions),
            f"has no central assets for the target region(s) {', '.join(missing)}: member stacks there could not "
            "load the handler code or pull the training image. Add them to asset_regions (or leave asset_regions "
            "out: it defaults to the target regions)",
        )


@rule(
    "HPO-ORG-004",
    statement="The roll-out's own stack has a region known at synth time (its image replicates from there).",
    field="env.region",
    source=Source.LIBRARY,
    reference="ECR replication rules name destination regions; the source region must be known",
    subjects=RolloutSpec,
)
def _home_region(spec: RolloutSpec, finding: Finding) -> None:
    region = spec.home_region
    if region is None or is_unresolved(region) or not REGION_PATTERN.match(region):
        finding.fail(
            "env",
            region,
            "must give the management (or delegated administrator) account's region, e.g. "
            "env=cdk.Environment(region='us-east-1')",
        )


@rule(
    "HPO-ORG-005",
    statement="The organisation id, when given, is well formed.",
    field="aws:PrincipalOrgID",
    source=Source.LIBRARY,
    reference="AWS Organizations API reference: Organization.Id ^o-[a-z0-9]{10,32}$",
    subjects=RolloutSpec,
)
def _organization_id(spec: RolloutSpec, finding: Finding) -> None:
    value = spec.organization_id
    if value is None or is_unresolved(value):
        return
    if not isinstance(value, str) or not ORGANIZATION_ID_PATTERN.match(value):
        finding.fail(
            "organization_id",
            value,
            "must look like o-a1b2c3d4e5 (`aws organizations describe-organization`), or be left out to look it up",
        )


@rule(
    "HPO-ORG-006",
    statement="Operation preferences: a count or a percentage (not both) for concurrency and failure tolerance, "
    "within range; the region order names target regions only.",
    field="OperationPreferences",
    source=Source.LIBRARY,
    reference="AWS CloudFormation API reference: StackSetOperationPreferences",
    subjects=RolloutSpec,
)
def _preferences(spec: RolloutSpec, finding: Finding) -> None:
    prefs = spec.preferences
    pairs = (
        ("max_concurrent", prefs.max_concurrent_count, prefs.max_concurrent_percentage, 1),
        ("failure_tolerance", prefs.failure_tolerance_count, prefs.failure_tolerance_percentage, 0),
    )
    for name, count, percentage, low in pairs:
        if count is not None and percentage is not None:
            finding.fail(f"operation_preferences.{name}_count", count, f"give {name}_count or {name}_percentage")
        finding.int_between(f"operation_preferences.{name}_count", count, low)
        finding.int_between(f"operation_preferences.{name}_percentage", percentage, low, 100)
    for region in prefs.region_order or ():
        if region not in spec.regions:
            finding.fail("operation_preferences.region_order", region, "must name target regions only")


@rule(
    "HPO-ORG-007",
    statement="A roll-out is defined in an App or a Stage, not in a Stack (it creates the stacks it needs).",
    field="scope",
    source=Source.LIBRARY,
    reference="CDK stacks cannot be nested in stacks (except nested stacks)",
    subjects=RolloutSpec,
)
def _scope(spec: RolloutSpec, finding: Finding) -> None:
    if spec.in_stack:
        finding.fail("scope", "a Stack", "define HpoOrganizationRollout in the App (or a Stage), not in a Stack")


@dataclass(frozen=True)
class BootstrapSpec:
    """A CDK bootstrap roll-out's props, as passed (``HpoOrganizationRollout.add_cdk_bootstrap``)."""

    template_file: str
    qualifier: str
    trusted_accounts: tuple[str, ...]
    execution_policies: tuple[str, ...]


#: The bootstrap qualifier's pattern (the CDK bootstrap template's ``Qualifier`` AllowedPattern).
QUALIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,10}$")
#: An AWS managed policy ARN (the same in every account).
AWS_MANAGED_POLICY_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::aws:policy/.+$")
#: An account id.
ACCOUNT_PATTERN = re.compile(r"^[0-9]{12}$")


@rule(
    "HPO-ORG-009",
    statement="A CDK bootstrap roll-out uses the CLI's bootstrap template, a valid qualifier, account ids, and "
    "execution policies that exist in every account (AWS managed policies).",
    field="CDK bootstrap StackSet",
    source=Source.LIBRARY,
    reference="the CDK bootstrap template's parameters (Qualifier AllowedPattern [A-Za-z0-9_-]{1,10}); a StackSet's "
    "parameters are the same in every account",
    subjects=BootstrapSpec,
)
def _bootstrap(spec: BootstrapSpec, finding: Finding) -> None:
    try:
        text = Path(spec.template_file).read_text(encoding="utf-8")
    except OSError:
        text = ""
    if "CdkBootstrapVersion" not in text or "Qualifier" not in text:
        finding.fail(
            "template_file",
            spec.template_file,
            "must be the CDK bootstrap template: `npx cdk bootstrap --show-template > bootstrap-template.yaml`",
        )
    if not QUALIFIER_PATTERN.match(spec.qualifier):
        finding.fail("qualifier", spec.qualifier, "must be 1 to 10 letters, digits, '_' or '-'")
    for account in spec.trusted_accounts:
        if not ACCOUNT_PATTERN.match(account):
            finding.fail("trusted_accounts", account, "must be 12-digit account ids")
    for arn in spec.execution_policies:
        if not AWS_MANAGED_POLICY_PATTERN.match(arn):
            finding.fail(
                "execution_policies",
                arn,
                "must be AWS managed policies (arn:aws:iam::aws:policy/...): a StackSet passes the same ARN to every "
                "account. Bound the role with a policy of each account by name instead: permissions_boundary=",
            )


_MEMBER_FIXES = {
    "image": "StackSets carry no Docker image assets: use the roll-out's include_gpu_image=True (a central, "
    "replicated repository, rollout.gpu_image) or TrainingImage.from_ecr_repository of a repository the "
    "organisation may pull from",
    "require_vpc": "require_vpc needs the platform's VPC, and a VPC belongs to one account: a roll-out has none. "
    "Leave require_vpc out (or deploy a VPC platform per account with cdk deploy)",
}


@rule(
    "HPO-ORG-008",
    statement="Platform and team settings that cannot work in a member account (a Docker image asset; "
    "require_vpc guardrails, which need a VPC of the account) are refused.",
    field="(member template)",
    source=Source.LIBRARY,
    reference="a StackSet's template is the same in every account and region; StackSets carry no Docker assets",
    subjects=MemberSetting,
)
def _member_setting(setting: MemberSetting, finding: Finding) -> None:
    fix = _MEMBER_FIXES.get(setting.kind)
    if fix is not None:
        finding.fail(setting.field, setting.value, fix)
