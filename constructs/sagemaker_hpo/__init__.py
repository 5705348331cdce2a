"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs.

The public names are imported on first use (PEP 562), so ``python -m sagemaker_hpo dry-run`` and the other
tools under ``sagemaker_hpo.dryrun`` start without loading ``aws_cdk`` (and its Node.js runtime).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._contract import contract as _handler_contract

if TYPE_CHECKING:
    from ._validation import ValidationError
    from .buckets import TrainingBuckets
    from .channels import FileSystemAccessMode, FileSystemInput, FileSystemType
    from .definitions import AutoParameter, TuningDefinition
    from .events import TuningJobStatus
    from .gpu_image import GpuTrainingImage
    from .grants import RoleBinding
    from .guardrails import Guardrails, GuardrailsAspect
    from .hyperparameters import Json
    from .image import TrainingImage, TrainingImageSource
    from .imported_platform import ImportedHpoPlatform
    from .instances import InstanceConfig, OutputCompression
    from .locations import (
        CompressionType,
        InputMode,
        RecordWrapping,
        S3DataDistribution,
        S3DataType,
        S3Input,
        S3Location,
    )
    from .objective import MetricDefinition, Objective, ObjectiveType
    from .platform import HpoPlatform
    from .provider import AnyTuningJobProvider, ImportedTuningJobProvider, TuningJobProvider
    from .provider_settings import DEFAULT_PROVIDER_SETTINGS, ProviderSettings
    from .ranges import CategoricalRange, ContinuousRange, IntegerRange, ParameterRange, ScalingType
    from .role import TrainingRole
    from .secure_defaults import SecureBucket
    from .strategy import Bayesian, GridSearch, Hyperband, RandomSearch, Strategy
    from .team import Team
    from .training import HyperparameterValue, TrainingDefinition
    from .tuning_job import CompletionCriteria, TuningJob
    from .tuning_job_ref import ImportedTuningJob
    from .warm_start import WarmStart, WarmStartType

#: The version of this library.
__version__: str = _handler_contract.LIBRARY_VERSION

#: Each public name and the module that defines it.
_EXPORTS = {
    "ValidationError": "._validation",
    "TrainingBuckets": ".buckets",
    "TuningJobStatus": ".events",
    "GpuTrainingImage": ".gpu_image",
    "AutoParameter": ".definitions",
    "TuningDefinition": ".definitions",
    "FileSystemAccessMode": ".channels",
    "FileSystemInput": ".channels",
    "FileSystemType": ".channels",
    "RecordWrapping": ".locations",
    "S3DataType": ".locations",
    "RoleBinding": ".grants",
    "Guardrails": ".guardrails",
    "GuardrailsAspect": ".guardrails",
    "Json": ".hyperparameters",
    "TrainingImage": ".image",
    "TrainingImageSource": ".image",
    "InstanceConfig": ".instances",
    "OutputCompression": ".instances",
    "CompressionType": ".locations",
    "InputMode": ".locations",
    "S3DataDistribution": ".locations",
    "S3Input": ".locations",
    "S3Location": ".locations",
    "MetricDefinition": ".objective",
    "Objective": ".objective",
    "ObjectiveType": ".objective",
    "HpoPlatform": ".platform",
    "ImportedHpoPlatform": ".imported_platform",
    "AnyTuningJobProvider": ".provider",
    "ImportedTuningJobProvider": ".provider",
    "TuningJobProvider": ".provider",
    "DEFAULT_PROVIDER_SETTINGS": ".provider_settings",
    "ProviderSettings": ".provider_settings",
    "CategoricalRange": ".ranges",
    "ContinuousRange": ".ranges",
    "IntegerRange": ".ranges",
    "ParameterRange": ".ranges",
    "ScalingType": ".ranges",
    "TrainingRole": ".role",
    "SecureBucket": ".secure_defaults",
    "Bayesian": ".strategy",
    "GridSearch": ".strategy",
    "Hyperband": ".strategy",
    "RandomSearch": ".strategy",
    "Strategy": ".strategy",
    "Team": ".team",
    "HyperparameterValue": ".training",
    "TrainingDefinition": ".training",
    "CompletionCriteria": ".tuning_job",
    "TuningJob": ".tuning_job",
    "ImportedTuningJob": ".tuning_job_ref",
    "WarmStart": ".warm_start",
    "WarmStartType": ".warm_start",
}

__all__ = [
    "DEFAULT_PROVIDER_SETTINGS",
    "AnyTuningJobProvider",
    "AutoParameter",
    "Bayesian",
    "CategoricalRange",
    "CompletionCriteria",
    "CompressionType",
    "ContinuousRange",
    "FileSystemAccessMode",
    "FileSystemInput",
    "FileSystemType",
    "GpuTrainingImage",
    "GridSearch",
    "Guardrails",
    "GuardrailsAspect",
    "HpoPlatform",
    "Hyperband",
    "HyperparameterValue",
    "ImportedHpoPlatform",
    "ImportedTuningJob",
    "ImportedTuningJobProvider",
    "InputMode",
    "InstanceConfig",
    "IntegerRange",
    "Json",
    "MetricDefinition",
    "Objective",
    "ObjectiveType",
    "OutputCompression",
    "ParameterRange",
    "ProviderSettings",
    "RandomSearch",
    "RecordWrapping",
    "RoleBinding",
    "S3DataDistribution",
    "S3DataType",
    "S3Input",
    "S3Location",
    "ScalingType",
    "SecureBucket",
    "Strategy",
    "Team",
    "TrainingBuckets",
    "TrainingDefinition",
    "TrainingImage",
    "TrainingImageSource",
    "TrainingRole",
    "TuningDefinition",
    "TuningJob",
    "TuningJobProvider",
    "TuningJobStatus",
    "ValidationError",
    "WarmStart",
    "WarmStartType",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
