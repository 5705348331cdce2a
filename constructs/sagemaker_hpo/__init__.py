"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs."""

from ._validation import ValidationError
from .image import TrainingImage
from .locations import CompressionType, InputMode, S3DataDistribution, S3Input, S3Location
from .objective import MetricDefinition, Objective, ObjectiveType
from .provider import ImportedTuningJobProvider, TuningJobProvider
from .ranges import CategoricalRange, ContinuousRange, IntegerRange, ScalingType
from .role import TrainingRole
from .strategy import Bayesian, GridSearch, Hyperband, RandomSearch
from .training import TrainingDefinition
from .tuning_job import CompletionCriteria, TuningJob

__all__ = [
    "Bayesian",
    "CategoricalRange",
    "CompletionCriteria",
    "CompressionType",
    "ContinuousRange",
    "GridSearch",
    "Hyperband",
    "ImportedTuningJobProvider",
    "InputMode",
    "IntegerRange",
    "MetricDefinition",
    "Objective",
    "ObjectiveType",
    "RandomSearch",
    "S3DataDistribution",
    "S3Input",
    "S3Location",
    "ScalingType",
    "TrainingDefinition",
    "TrainingImage",
    "TrainingRole",
    "TuningJob",
    "TuningJobProvider",
    "ValidationError",
]
