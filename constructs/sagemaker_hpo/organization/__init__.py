"""Rolling the platform out to an AWS Organization with CloudFormation StackSets (extra ``[organization]``:
``cdk-stacksets`` and ``cdk-ecr-deployment``).

``HpoOrganizationRollout`` deploys the platform, its teams and guardrails as a service-managed StackSet to the
accounts of some OUs; ``OrganizationAssetsStack`` holds a region's central assets and ``OrganizationTrainingImage``
the organisation's copy of the packaged GPU training image.
"""

from .assets import OrganizationAssetsStack
from .image import OrganizationTrainingImage
from .rollout import CallAs, HpoOrganizationRollout, OperationPreferences, RegionConcurrency

__all__ = [
    "CallAs",
    "HpoOrganizationRollout",
    "OperationPreferences",
    "OrganizationAssetsStack",
    "OrganizationTrainingImage",
    "RegionConcurrency",
]
