"""Publishing a platform's (or a team's) values as SSM String parameters under a namespace."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_ssm as ssm
from constructs import Construct


def publish_parameters(
    scope: Construct, namespace: str, values: Mapping[str, tuple[str, str]], description: str
) -> dict[str, ssm.StringParameter]:
    """One SSM String parameter per ``key: (value, what it is)`` of ``values``, named ``<namespace><key>``, under a
    ``Parameters`` construct of ``scope``; each description is ``"<description>: <what>"``. Returns them by key."""
    parameters = Construct(scope, "Parameters")
    published: dict[str, ssm.StringParameter] = {}
    for key, (value, what) in values.items():
        published[key] = ssm.StringParameter(
            parameters,
            key.replace("/", "-"),
            parameter_name=f"{namespace}{key}",
            string_value=value,
            description=f"{description}: {what}",
            simple_name=False,
        )
    return published
