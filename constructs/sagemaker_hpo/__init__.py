"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs."""

from ._validation import ValidationError
from .buckets import TrainingBuckets
from .gpu_image import GpuTrainingImage
from .hyperparameters import Json
from .image import TrainingImage, TrainingImageSource
from .locations import CompressionType, InputMode, S3DataDistribution, S3Input, S3Location
from .objective import MetricDefinition, Objective, ObjectiveType
from .platform import HpoPlatform, ImportedHpoPlatform
from .provider import ImportedTuningJobProvider, TuningJobProvider
from .ranges import CategoricalRange, ContinuousRange, IntegerRange, ScalingType
from .role import TrainingRole
from .secure_defaults import SecureBucket
from .strategy import Bayesian, GridSearch, Hyperband, RandomSearch
from .training import TrainingDefinition
from .tuning_job import CompletionCriteria, TuningJob
from .warm_start import WarmStart, WarmStartType

__all__ = [
    "Bayesian",
    "CategoricalRange",
    "CompletionCriteria",
    "CompressionType",
    "ContinuousRange",
    "GpuTrainingImage",
    "GridSearch",
    "HpoPlatform",
    "Hyperband",
    "ImportedHpoPlatform",
    "ImportedTuningJobProvider",
    "InputMode",
    "IntegerRange",
    "Json",
    "MetricDefinition",
    "Objective",
    "ObjectiveType",
    "RandomSearch",
    "S3DataDistribution",
    "S3Input",
    "S3Location",
    "ScalingType",
    "SecureBucket",
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
