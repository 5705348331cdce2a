"""A team's deploy boundary: what its CloudFormation execution role and its people may use, as IAM statements.

CloudFormation invokes a custom resource's service token, and resolves SSM parameters, with the permissions of the
stack's execution role. With the execution role of a default ``cdk bootstrap`` (``AdministratorAccess``), a stack of
team A may name team B's provider as its service token and have B's provider create and stop B's jobs. A team
that deploys with its own bootstrap qualifier and the team's execution policy cannot:

.. code-block:: sh

    cdk bootstrap aws://<account>/<region> --qualifier <team.qualifier> \\
        --toolkit-stack-name CDKToolkit-<team.qualifier> \\
        --cloudformation-execution-policies <ARN published at <team namespace>cfn-execution-policy-arn>

and in the team's app ``DefaultStackSynthesizer(qualifier=<team.qualifier>)``.

The execution role acts on resources, not on stacks: which stacks and which ``cdk-<qualifier>-*`` roles a team's
people may use is a matter of their own IAM permissions (or SCPs, or a custom bootstrap template). The deployer
policy gives them the team's bootstrap roles only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

#: The longest qualifier ``cdk bootstrap`` accepts.
QUALIFIER_MAX_LENGTH = 10
#: The roles a CDK bootstrap stack creates for a qualifier (``cdk-<qualifier>-<role>-<account>-<region>``).
BOOTSTRAP_ROLE_KINDS = ("deploy-role", "file-publishing-role", "image-publishing-role", "lookup-role")


def team_qualifier(platform_namespace: str, name: str) -> str:
    """The team's CDK bootstrap qualifier: up to 6 letters and digits of the name and 4 hash characters (10)."""
    cleaned = re.sub(r"[^a-z0-9]+", "", name)
    digest = hashlib.sha256(f"qualifier|{platform_namespace}|{name}".encode()).hexdigest()
    return f"{cleaned[: QUALIFIER_MAX_LENGTH - 4]}{digest[:4]}"


def parameter_arn(name_pattern: str) -> str:
    """The ARN (pattern) of the SSM parameter ``name_pattern`` (starting with ``/``) of this stack's account."""
    return f"arn:{Aws.PARTITION}:ssm:{Aws.REGION}:{Aws.ACCOUNT_ID}:parameter{name_pattern}"


def bootstrap_role_arns(qualifier: str) -> list[str]:
    """The ARN patterns of the bootstrap roles of ``qualifier`` in this stack's account."""
    return [f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/cdk-{qualifier}-{kind}-*" for kind in BOOTSTRAP_ROLE_KINDS]


def cfn_execution_statements(
    *, service_token: str, team_namespace: str, platform_parameters: Sequence[str], qualifier: str
) -> list[iam.PolicyStatement]:
    """What a team's stacks need from their CloudFormation execution role, and nothing of other teams.

    :param service_token: the team provider's service token: the only function its stacks may invoke.
    :param team_namespace: the team's SSM namespace (``.../teams/<team>/``): its parameters may be read.
    :param platform_parameters: the platform-wide parameter names a team's stack imports (buckets, key).
    :param qualifier: the team's bootstrap qualifier (its ``/cdk-bootstrap/<qualifier>/version`` is read).
    """
    return [
        iam.PolicyStatement(sid="InvokeOwnProviderOnly", actions=["lambda:InvokeFunction"], resources=[service_token]),
        iam.PolicyStatement(
            sid="ReadOwnParameters",
            actions=["ssm:GetParameter", "ssm:GetParameters"],
            resources=[
                parameter_arn(f"{team_namespace}*"),
                *(parameter_arn(name) for name in platform_parameters),
                parameter_arn(f"/cdk-bootstrap/{qualifier}/version"),
            ],
        ),
    ]


def deployer_statements(*, qualifier: str, team_namespace: str) -> list[iam.PolicyStatement]:
    """What a team's people need to deploy with the team's bootstrap: its ``cdk-<qualifier>-*`` roles only.

    :param qualifier: the team's bootstrap qualifier.
    :param team_namespace: the team's SSM namespace (read to look up the team's values).
    """
    return [
        iam.PolicyStatement(
            sid="AssumeOwnBootstrapRoles", actions=["sts:AssumeRole"], resources=bootstrap_role_arns(qualifier)
        ),
        iam.PolicyStatement(
            sid="ReadOwnParameters",
            actions=["ssm:GetParameter", "ssm:GetParameters"],
            resources=[parameter_arn(f"{team_namespace}*")],
        ),
    ]
