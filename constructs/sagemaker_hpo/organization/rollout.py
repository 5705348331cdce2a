"""``HpoOrganizationRollout``: the platform, its teams and guardrails in every account of some OUs, as a
service-managed CloudFormation StackSet.

Built on cdklabs' ``cdk-stacksets`` (``StackSetStack``, ``StackSet``): it synthesizes the member template as a
StackSet template (no ``BootstrapVersion`` parameter, no CDK bootstrap resources needed in member accounts) and
copies its file assets to one bucket per region that the member stacks read. Docker image assets cannot travel in
a StackSet, so the packaged GPU training image is published to a central repository and replicated by ECR instead
(:class:`OrganizationTrainingImage`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from aws_cdk import CfnParameter, Duration, Environment, Fn, Stack, Stage
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..buckets import DEFAULT_CHECKPOINT_EXPIRATION
from ..guardrails import Guardrails
from ..image import TrainingImage, TrainingImageSource, _AssetImage, as_training_image
from ..platform import DEFAULT_PLATFORM_NAME, GPU_IMAGE_NAME, HpoPlatform
from ..rules import run_rules
from ..rules.organization import BootstrapSpec, MemberSetting, OperationPreferencesSpec, RolloutSpec
from ..team import Team
from .assets import DEFAULT_ASSET_BUCKET_PREFIX, OrganizationAssetsStack, asset_bucket_name, asset_bucket_prefix
from .helpers import acknowledge_helper_findings
from .image import DEFAULT_REPOSITORY_NAME, OrganizationTrainingImage, repository_prefix
from .policies import OrganizationId

#: The member template's parameter holding ``<asset bucket prefix>-<publishing account>``.
ASSET_BUCKET_PREFIX_PARAMETER = "AssetBucketPrefix"
#: The CDK's default bootstrap qualifier.
DEFAULT_QUALIFIER = "hnb659fds"
#: The default execution policy of ``cdk bootstrap``.
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def team_boundary_name(qualifier: str) -> str:
    """The fixed name of a team's CloudFormation execution policy in every member account (the boundary of its
    bootstrap's execution role)."""
    return f"cdk-{qualifier}-cfn-exec-boundary"


#: The member template's parameter holding the publishing account (the central image's registry).
PUBLISHING_ACCOUNT_PARAMETER = "PublishingAccount"


class RegionConcurrency(str, Enum):
    """How StackSet operations move across regions (``OperationPreferences.RegionConcurrencyType``)."""

    #: One region at a time, in ``region_order``.
    SEQUENTIAL = "SEQUENTIAL"
    #: All regions at once.
    PARALLEL = "PARALLEL"


class CallAs(str, Enum):
    """Who manages the StackSet (``CallAs``)."""

    #: The organisation's management account.
    SELF = "SELF"
    #: A delegated administrator account for CloudFormation StackSets.
    DELEGATED_ADMIN = "DELEGATED_ADMIN"


@dataclass(frozen=True, kw_only=True)
class OperationPreferences:
    """How fast a roll-out moves and how many failures it tolerates (per region).

    :param max_concurrent_percentage: the share of accounts deployed at once, 1 to 100. Default: 25 (when
        ``max_concurrent_count`` is not given).
    :param max_concurrent_count: the number of accounts deployed at once. Default: none (the percentage applies).
    :param failure_tolerance_percentage: the share of accounts that may fail before the operation stops, 0 to 100.
        Default: 10 (when ``failure_tolerance_count`` is not given).
    :param failure_tolerance_count: the number of accounts that may fail. Default: none (the percentage applies).
    :param region_concurrency: regions one at a time or all at once. Default: ``RegionConcurrency.SEQUENTIAL``.
    :param region_order: the order of regions (sequential roll-outs). Default: the order of ``regions``.
    """

    max_concurrent_percentage: int | None = None
    max_concurrent_count: int | None = None
    failure_tolerance_percentage: int | None = None
    failure_tolerance_count: int | None = None
    region_concurrency: RegionConcurrency = RegionConcurrency.SEQUENTIAL
    region_order: Sequence[str] | None = None

    def _spec(self) -> OperationPreferencesSpec:
        return OperationPreferencesSpec(
            self.max_concurrent_percentage,
            self.max_concurrent_count,
            self.failure_tolerance_percentage,
            self.failure_tolerance_count,
            self.region_order,
        )

    def _render(self, regions: Sequence[str]) -> Any:
        from cdk_stacksets import OperationPreferences as Rendered
        from cdk_stacksets import RegionConcurrencyType

        concurrent_percentage = self.max_concurrent_percentage
        if concurrent_percentage is None and self.max_concurrent_count is None:
            concurrent_percentage = 25
        tolerance_percentage = self.failure_tolerance_percentage
        if tolerance_percentage is None and self.failure_tolerance_count is None:
            tolerance_percentage = 10
        return Rendered(
            max_concurrent_percentage=concurrent_percentage,
            max_concurrent_count=self.max_concurrent_count,
            failure_tolerance_percentage=tolerance_percentage,
            failure_tolerance_count=self.failure_tolerance_count,
            region_concurrency_type=RegionConcurrencyType[self.region_concurrency.value],
            region_order=list(self.region_order or regions),
        )


class HpoOrganizationRollout(Stack):
    """The platform rolled out to every account of some organizational units, in some regions, as a
    service-managed StackSet, with automatic deployment to accounts that join those OUs.

    Deploy it with ``cdk deploy`` from the organisation's management account or a delegated administrator for
    StackSets (``call_as=CallAs.DELEGATED_ADMIN``); that account needs ``cdk bootstrap`` in the home region and in
    every target region (the per-region asset stacks deploy there). It creates:

    - this stack (home region): the ``AWS::CloudFormation::StackSet``, the copies of the member template's file
      assets to the regional buckets and, with ``include_gpu_image``, the central GPU image repository, the image
      copy and the ECR replication to the other regions;
    - one :class:`OrganizationAssetsStack` per target region (``<id>-Assets-<region>``): the bucket the member
      stacks load the handler code from, readable by the organisation only, and the creation template that gives
      replicated repositories the organisation's pull policy.

    The member template holds an :class:`HpoPlatform` (:attr:`platform`); add teams with :meth:`add_team`. Each
    member account and region gets its own key, buckets, roles, providers and SSM parameters, published under the
    same namespace as a single-account platform, so team apps import it the same way everywhere.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organizational_units: Sequence[str],
        regions: Sequence[str],
        env: Environment,
        organization_id: str | None = None,
        platform_name: str = DEFAULT_PLATFORM_NAME,
        namespace: str | None = None,
        guardrails: Guardrails | None = None,
        include_gpu_image: bool = False,
        image_repository_name: str = DEFAULT_REPOSITORY_NAME,
        asset_regions: Sequence[str] | None = None,
        asset_bucket_prefix_name: str = DEFAULT_ASSET_BUCKET_PREFIX,
        auto_deploy: bool = True,
        retain_stacks_on_account_removal: bool = True,
        operation_preferences: OperationPreferences | None = None,
        call_as: CallAs = CallAs.SELF,
        stack_set_name: str | None = None,
        checkpoint_expiration: Duration = DEFAULT_CHECKPOINT_EXPIRATION,
        log_retention: logs.RetentionDays | None = None,
        **kwargs: Any,
    ) -> None:
        """Define an ``HpoOrganizationRollout``.

        :param scope: the App (or Stage) to define it in; it adds one asset stack per region beside itself.
        :param construct_id: its id (and the stack's name, unless ``stack_name`` is given).
        :param organizational_units: the target OU ids (``ou-xxxx-xxxxxxxx``) or the root id (``r-xxxx``).
        :param regions: the target regions.
        :param env: the management (or delegated administrator) account and its home region; the region is required.
        :param organization_id: the organisation's id (``o-xxxxxxxxxx``), which the bucket and repository policies
            name. Default: looked up at deploy time (``organizations:DescribeOrganization``).
        :param platform_name: the platform's name in every member account. Default: ``"default"``.
        :param namespace: the SSM namespace in every member account. Default: ``/sagemaker-hpo/<platform_name>/``.
        :param guardrails: the limits of every team's jobs. Default: none.
        :param include_gpu_image: publish the packaged GPU training image centrally, replicate it to every target
            region and publish it as the platform's ``gpu`` image (``cdk deploy`` of this stack then needs Docker).
            Default: False.
        :param image_repository_name: the central image repository's name. Default: ``sagemaker-hpo/gpu-training``.
        :param asset_regions: the regions the central assets are published to. Default: ``regions``.
        :param asset_bucket_prefix_name: the first part of the asset buckets' names,
            ``<prefix>-<account>-<region>``. Default: ``sagemaker-hpo-assets``.
        :param auto_deploy: deploy to accounts that join the OUs, and remove the stacks of accounts that leave.
            Default: True.
        :param retain_stacks_on_account_removal: keep the stack (and its resources) of an account that leaves the
            OUs; either way its buckets and key are retained. Default: True.
        :param operation_preferences: how fast the roll-out moves. Default: 25 % of accounts at once, 10 % failure
            tolerance, regions one at a time.
        :param call_as: the management account (``SELF``) or a delegated administrator. Default: ``CallAs.SELF``.
        :param stack_set_name: the StackSet's name. Default: ``sagemaker-hpo-<platform_name>``.
        :param checkpoint_expiration: delete checkpoints this long after they were written. Default: 30 days.
        :param log_retention: retention of the providers' log groups. Default: three months.
        :param kwargs: other ``Stack`` props (``stack_name``, ``description``, ``synthesizer``...).
        """
        path = f"{scope.node.path}/{construct_id}".lstrip("/")
        preferences = operation_preferences or OperationPreferences()
        assets_in = list(regions if asset_regions is None else asset_regions)
        run_rules(
            RolloutSpec(
                organizational_units=list(organizational_units),
                regions=list(regions),
                asset_regions=assets_in,
                home_region=env.region,
                organization_id=organization_id,
                preferences=preferences._spec(),
                in_stack=not isinstance(scope, Stage),
            ),
            path=path,
        )
        home_region = str(env.region)
        super().__init__(
            scope,
            construct_id,
            env=env,
            description=kwargs.pop(
                "description", "sagemaker-hpo: the platform's StackSet and its central assets (organisation roll-out)"
            ),
            **kwargs,
        )
        from cdk_stacksets import Capability, DeploymentType, StackSet, StackSetStack, StackSetTarget, StackSetTemplate

        #: The target regions.
        self.regions: tuple[str, ...] = tuple(regions)
        #: The target OU ids.
        self.organizational_units: tuple[str, ...] = tuple(organizational_units)
        org = OrganizationId(self, "Organization", organization_id=organization_id).value
        replica_regions = [region for region in assets_in if region != home_region]
        name = image_repository_name if include_gpu_image else None
        #: The per-region asset stacks, by region.
        self.asset_stacks: dict[str, OrganizationAssetsStack] = {}
        for region in assets_in:
            stack = OrganizationAssetsStack(
                scope,
                f"{construct_id}-Assets-{region}",
                prefix=asset_bucket_prefix_name,
                repository_prefix=repository_prefix(name) if name and region in replica_regions else None,
                organization_id=organization_id,
                env=Environment(account=env.account, region=region),
                description=f"sagemaker-hpo: central assets of the organisation roll-out {construct_id} in {region}",
            )
            self.add_stack_dependency(stack, "the member template's assets are copied into its bucket")
            self.asset_stacks[region] = stack
        buckets = [
            s3.Bucket.from_bucket_name(
                self, f"AssetBucket-{region}", asset_bucket_name(asset_bucket_prefix_name, self.account, region)
            )
            for region in assets_in
        ]

        #: The central GPU training image, when ``include_gpu_image``.
        self.central_image: OrganizationTrainingImage | None = None
        if name is not None:
            self.central_image = OrganizationTrainingImage(
                self, "GpuImage", organization_id=org, replica_regions=replica_regions, repository_name=name
            )

        #: The member template: what each target account and region gets.
        self.member_stack = StackSetStack(
            self, "Member", asset_buckets=buckets, asset_bucket_prefix=Fn.ref(ASSET_BUCKET_PREFIX_PARAMETER)
        )
        CfnParameter(
            self.member_stack,
            ASSET_BUCKET_PREFIX_PARAMETER,
            description="The central asset buckets' name before the region (set by the StackSet)",
        ).override_logical_id(ASSET_BUCKET_PREFIX_PARAMETER)
        parameters = {ASSET_BUCKET_PREFIX_PARAMETER: asset_bucket_prefix(asset_bucket_prefix_name, self.account)}
        #: The member's import of the central GPU repository (its region's replica), when ``include_gpu_image``.
        self.gpu_repository: ecr.IRepository | None = None
        #: The central GPU image as member stacks use it, when ``include_gpu_image``.
        self.gpu_image: TrainingImage | None = None
        images: dict[str, TrainingImage] = {}
        if self.central_image is not None and name is not None:
            from ..gpu_image import load_metric_definitions, load_sample_log_lines

            account = CfnParameter(
                self.member_stack,
                PUBLISHING_ACCOUNT_PARAMETER,
                description="The account the central training image is published from (set by the StackSet)",
            )
            account.override_logical_id(PUBLISHING_ACCOUNT_PARAMETER)
            parameters[PUBLISHING_ACCOUNT_PARAMETER] = self.account
            self.gpu_repository = ecr.Repository.from_repository_attributes(
                self.member_stack,
                "GpuRepository",
                repository_arn=Fn.sub(
                    f"arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{{PUBLISHING_ACCOUNT_PARAMETER}}}:repository/{name}"
                ),
                repository_name=name,
            )
            self.gpu_image = TrainingImage.from_ecr_repository(
                self.gpu_repository,
                self.central_image.tag,
                metric_definitions=load_metric_definitions(),
                sample_log_lines=load_sample_log_lines(),
            )
            images[GPU_IMAGE_NAME] = self.gpu_image
        if guardrails is not None and guardrails.require_vpc:
            _check_member(path, "guardrails.require_vpc", True, "require_vpc")
        #: The platform in every member account and region.
        self.platform = HpoPlatform(
            self.member_stack,
            "Platform",
            name=platform_name,
            namespace=namespace,
            images=images,
            guardrails=guardrails,
            checkpoint_expiration=checkpoint_expiration,
            log_retention=log_retention,
        )
        #: Where and how every StackSet of the roll-out deploys (the platform's and the CDK bootstrap's).
        self._stack_set_settings: dict[str, Any] = {
            "target": StackSetTarget.from_organizational_units(
                regions=list(self.regions), organizational_units=list(self.organizational_units)
            ),
            "deployment_type": DeploymentType.service_managed(
                auto_deploy_enabled=auto_deploy,
                auto_deploy_retain_stacks=retain_stacks_on_account_removal if auto_deploy else None,
                delegated_admin=call_as == CallAs.DELEGATED_ADMIN,
            ),
            "managed_execution": True,
            "operation_preferences": preferences._render(self.regions),
        }
        #: The StackSet.
        self.stack_set = StackSet(
            self,
            "StackSet",
            stack_set_name=stack_set_name or f"sagemaker-hpo-{platform_name}",
            description=f"sagemaker-hpo platform {self.platform.namespace} (organisation roll-out)",
            template=StackSetTemplate.from_stack_set_stack(self.member_stack),
            capabilities=[Capability.IAM, Capability.NAMED_IAM],
            parameters=parameters,
            **self._stack_set_settings,
        )
        acknowledge_helper_findings(self)
        if self.central_image is not None:
            # Member stacks pull the image as soon as a job starts: publish it before the StackSet changes.
            self.stack_set.node.add_dependency(self.central_image.deployment)

    def add_cdk_bootstrap(
        self,
        construct_id: str,
        *,
        template_file: str,
        team: Team | None = None,
        qualifier: str | None = None,
        trusted_accounts: Sequence[str] = (),
        execution_policies: Sequence[str] = (ADMINISTRATOR_ACCESS,),
        permissions_boundary: str | None = None,
    ) -> Any:
        """Roll the CDK bootstrap stack out to the same accounts and regions, so that team apps can ``cdk deploy``
        there (a StackSet of the CLI's own template: ``npx cdk bootstrap --show-template > bootstrap-template.yaml``).

        Call it once per qualifier: one for the default (``hnb659fds``) and one per team that deploys with its own
        qualifier and deploy boundary. A StackSet's template and parameters are the same in every account, so an
        execution policy must be an AWS managed policy; a team's own policy (created in each member account by the
        platform's StackSet) is applied as ``permissions_boundary``, by name, which the template resolves in each
        account: the execution role may then do only what both allow.

        :param construct_id: the id of the StackSet construct.
        :param template_file: the bootstrap template, as ``cdk bootstrap --show-template`` prints it.
        :param team: a team of this roll-out: its qualifier (``team.qualifier``), and its
            ``cfn_execution_policy`` (given a fixed name in every member account) as the permissions boundary of its
            CloudFormation execution role, so that the team's stacks can invoke only its own provider. Default: none.
        :param qualifier: the bootstrap qualifier (1 to 10 letters, digits, ``_`` or ``-``). Default: the team's, else
            ``hnb659fds``.
        :param trusted_accounts: accounts (e.g. a CI account) trusted to deploy into every member account.
            Default: none.
        :param execution_policies: AWS managed policy ARNs of the CloudFormation execution role. Default:
            ``AdministratorAccess`` (bounded by ``permissions_boundary`` when given).
        :param permissions_boundary: the name of a managed policy, in each member account, that bounds the
            execution role. Default: none.
        :returns: the ``cdk_stacksets.StackSet``.
        """
        from aws_cdk import aws_iam as iam
        from aws_cdk import aws_s3_assets as s3_assets
        from cdk_stacksets import Capability, StackSet

        if team is not None:
            qualifier = qualifier or team.qualifier
            if permissions_boundary is None:
                permissions_boundary = team_boundary_name(team.qualifier)
                policy = team.cfn_execution_policy.node.default_child
                if isinstance(policy, iam.CfnManagedPolicy):  # the same name in every member account
                    policy.managed_policy_name = permissions_boundary
        qualifier = qualifier or DEFAULT_QUALIFIER
        run_rules(
            BootstrapSpec(template_file, qualifier, tuple(trusted_accounts), tuple(execution_policies)),
            path=f"{self.node.path}/{construct_id}",
        )
        template = s3_assets.Asset(self, f"{construct_id}Template", path=template_file)
        parameters = {
            "Qualifier": qualifier,
            "TrustedAccounts": ",".join(trusted_accounts),
            "CloudFormationExecutionPolicies": ",".join(execution_policies),
        }
        if permissions_boundary is not None:
            parameters["InputPermissionsBoundary"] = permissions_boundary
        stack_set = StackSet(
            self,
            construct_id,
            stack_set_name=f"cdk-bootstrap-{qualifier}",
            description=f"CDK bootstrap (qualifier {qualifier}) of the accounts the sagemaker-hpo platform reaches",
            template=_template_at_type()(template.http_url),
            capabilities=[Capability.NAMED_IAM],
            parameters=parameters,
            **self._stack_set_settings,
        )
        # A permissions boundary named here is created by the platform's StackSet.
        stack_set.node.add_dependency(self.stack_set)
        return stack_set

    def add_team(
        self,
        name: str,
        *,
        repositories: Sequence[ecr.IRepository] = (),
        images: Mapping[str, TrainingImage | TrainingImageSource] | None = None,
        guardrails: Guardrails | None = None,
        log_retention: logs.RetentionDays | None = None,
        role_name: str | None = None,
    ) -> Team:
        """Add a team to the platform of every member account (see ``HpoPlatform.add_team``).

        :param name: the team's name.
        :param repositories: ECR repositories the team's role may pull from, e.g. :attr:`gpu_repository`. Default:
            none.
        :param images: training images to publish for the team by name, e.g. ``{"gpu": rollout.gpu_image}``.
            Default: none.
        :param guardrails: the team's limits (``require_vpc`` cannot work in a roll-out). Default: the platform's.
        :param log_retention: retention of the team provider's log group. Default: three months.
        :param role_name: a fixed name for the team's training role (the same in every account). Default: generated.
        """
        if guardrails is not None and guardrails.require_vpc:
            _check_member(self.node.path, f"teams.{name}.guardrails.require_vpc", True, "require_vpc")
        for image_name, image in (images or {}).items():
            if isinstance(as_training_image(image)._kind, _AssetImage):
                _check_member(self.node.path, f"teams.{name}.images.{image_name}", "a Docker image asset", "image")
        return self.platform.add_team(
            name,
            repositories=repositories,
            images=images,
            guardrails=guardrails,
            log_retention=log_retention,
            role_name=role_name,
        )


def _check_member(path: str, field: str, value: Any, kind: str) -> None:
    run_rules(MemberSetting(field, value, kind), path=path)


@cache
def _template_at_type() -> type:
    """``StackSetTemplate`` for a template already published at an S3 URL (defined on first use: cdk-stacksets is an
    optional dependency)."""
    from cdk_stacksets import StackSetTemplate

    class TemplateAt(StackSetTemplate):  # type: ignore[misc]
        def __init__(self, url: str) -> None:
            super().__init__()
            self._url = url

        @property
        def template_url(self) -> str:
            return self._url

    return TemplateAt
