"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs."""

from ._validation import ValidationError
from .buckets import TrainingBuckets
from .gpu_image import GpuTrainingImage
from .grants import RoleBinding
from .guardrails import Guardrails, GuardrailsAspect
from .image import TrainingImage, TrainingImageSource
from .locations import CompressionType, InputMode, S3DataDistribution, S3Input, S3Location
from .objective import MetricDefinition, Objective, ObjectiveType
from .platform import HpoPlatform, ImportedHpoPlatform
from .provider import ImportedTuningJobProvider, TuningJobProvider
from .ranges import CategoricalRange, ContinuousRange, IntegerRange, ScalingType
from .role import TrainingRole
from .secure_defaults import SecureBucket
from .strategy import Bayesian, GridSearch, Hyperband, RandomSearch
from .team import Team
from .training import TrainingDefinition
from .tuning_job import CompletionCriteria, TuningJob
from .tuning_job_ref import ImportedTuningJob
from .warm_start import WarmStart, WarmStartType

__all__ = [
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
    "Hyperband",
    "ImportedHpoPlatform",
    "ImportedTuningJob",
    "ImportedTuningJobProvider",
    "InputMode",
    "IntegerRange",
    "MetricDefinition",
    "Objective",
    "ObjectiveType",
    "RandomSearch",
    "RoleBinding",
    "S3DataDistribution",
    "S3Input",
    "S3Location",
    "ScalingType",
    "SecureBucket",
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
]
