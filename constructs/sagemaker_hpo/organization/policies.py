"""What member accounts may read from the publishing account: defined once for the buckets and repositories."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from .._acknowledgements import acknowledge

#: What an organisation's principals may do with a central asset bucket's objects (read the handler code).
OBJECT_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
#: What an organisation's principals may do with a central image repository (pull; SageMaker pulls with the
#: training role of the member account).
IMAGE_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def organization_read_statement(
    organization_id: str, actions: tuple[str, ...], resources: list[str] | None = None
) -> iam.PolicyStatement:
    """Allow ``actions`` on ``resources`` to every principal of the organisation ``organization_id``, and no other
    (no ``resources`` for a repository policy, which applies to its own repository)."""
    return iam.PolicyStatement(
        sid="OrganizationRead",
        actions=list(actions),
        resources=resources or None,
        principals=[iam.OrganizationPrincipal(organization_id)],
    )


def repository_policy_text(scope: Construct, organization_id: str) -> str:
    """The pull policy of a central repository (:func:`organization_read_statement` with
    :data:`IMAGE_PULL_ACTIONS`) as a JSON string, for templates that take a policy text."""
    document = iam.PolicyDocument(statements=[organization_read_statement(organization_id, IMAGE_PULL_ACTIONS)])
    return Stack.of(scope).to_json_string(document.to_json())


class OrganizationId(Construct):
    """The organisation's id: the given one, or looked up at deploy time (``organizations:DescribeOrganization``,
    which any account of the organisation may call)."""

    def __init__(self, scope: Construct, construct_id: str, *, organization_id: str | None = None) -> None:
        """Define an ``OrganizationId``.

        :param scope: the construct to define it in.
        :param construct_id: its id.
        :param organization_id: the id, e.g. ``o-a1b2c3d4e5``. Default: looked up at deploy time.
        """
        super().__init__(scope, construct_id)
        if organization_id is not None:
            #: The organisation's id (a deploy-time token when looked up).
            self.value = organization_id
            return
        call = cr.AwsSdkCall(
            service="Organizations",
            action="describeOrganization",
            physical_resource_id=cr.PhysicalResourceId.of("organization"),
            output_paths=["Organization.Id"],
        )
        lookup = cr.AwsCustomResource(
            self,
            "Lookup",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["organizations:DescribeOrganization"], resources=["*"])]
            ),
            install_latest_aws_sdk=False,
        )
        acknowledge(
            Stack.of(self),
            "AwsSolutions-IAM5[Resource::*]",
            "organizations:DescribeOrganization has no resource-level permissions; the lookup function may call "
            "nothing else",
        )
        self.value = lookup.get_response_field("Organization.Id")
