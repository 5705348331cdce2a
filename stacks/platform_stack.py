"""The account bootstrap: one ``HpoPlatform`` (key, buckets, training role, provider) published to SSM."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from sagemaker_hpo import HpoPlatform
from sagemaker_hpo.platform import DEFAULT_PLATFORM_NAME


class HpoPlatformStack(cdk.Stack):
    """The platform stack: deploy it once per account and region, before the stacks that import it.

    Consumer stacks import it with ``HpoPlatform.from_parameters(self, "Platform", namespace=...)``; pass them
    :attr:`namespace`, and make them depend on this stack when they are in the same app (deploy order without
    cross-stack exports).

    :param platform_name: the platform's name; its SSM namespace is ``/sagemaker-hpo/<name>/``. Default: ``"default"``.
    :param include_gpu_image: publish the packaged GPU training image as ``"gpu"`` (``cdk deploy`` then needs
        Docker). Default: False.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_name: str = DEFAULT_PLATFORM_NAME,
        include_gpu_image: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=kwargs.pop(
                "description",
                "sagemaker-hpo platform: training buckets, KMS key, training role and tuning-job provider",
            ),
            **kwargs,
        )
        #: The platform construct.
        self.platform = HpoPlatform(self, "Platform", name=platform_name, include_gpu_image=include_gpu_image)

    @property
    def namespace(self) -> str:
        """The SSM namespace the platform publishes under."""
        return self.platform.namespace
