"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs."""

from ._contract import contract as _handler_contract
from ._validation import ValidationError
from .buckets import TrainingBuckets
from .gpu_image import GpuTrainingImage
from .grants import RoleBinding
from .guardrails import Guardrails, GuardrailsAspect
from .hyperparameters import Json
from .image import TrainingImage, TrainingImageSource
from .locations import CompressionType, InputMode, S3DataDistribution, S3Input, S3Location
from .objective import MetricDefinition, Objective, ObjectiveType
from .platform import HpoPlatform, ImportedHpoPlatform
from .provider import AnyTuningJobProvider, ImportedTuningJobProvider, TuningJobProvider
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

__all__ = [
    "AnyTuningJobProvider",
    "Bayesian",
    "CategoricalRange",
    "CompletionCriteria",
    "CompressionType",
    "ContinuousRange",
    "GpuTrainingImage",
    "GridSearch",
    "Guardrails",
    "GuardrailsAspect",
    "HpoPlatform",
    "HyperparameterValue",
    "Hyperband",
    "ImportedHpoPlatform",
    "ImportedTuningJob",
    "ImportedTuningJobProvider",
    "InputMode",
    "IntegerRange",
    "Json",
    "MetricDefinition",
    "Objective",
    "ParameterRange",
    "ObjectiveType",
    "RandomSearch",
    "RoleBinding",
    "S3DataDistribution",
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
    "TuningJob",
    "TuningJobProvider",
    "ValidationError",
    "WarmStart",
    "WarmStartType",
    "__version__",
]
