"""sagemaker-hpo-cdk: Amazon SageMaker hyperparameter tuning jobs (Hyperband first) as AWS CDK constructs.

The public names are imported on first use (PEP 562), so ``python -m sagemaker_hpo dry-run`` and the other
tools under ``sagemaker_hpo.dryrun`` start without loading ``aws_cdk`` (and its Node.js runtime). They are listed
once, in the ``TYPE_CHECKING`` block below (what type checkers and IDEs read); ``__all__`` and the lazy imports are
read from that block.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._contract import contract as _handler_contract

if TYPE_CHECKING:
    # The public names (explicit re-exports, ``X as X``): the one list of them.
    from ._validation import ValidationError as ValidationError
    from .buckets import TrainingBuckets as TrainingBuckets
    from .channels import FileSystemAccessMode as FileSystemAccessMode
    from .channels import FileSystemInput as FileSystemInput
    from .channels import FileSystemType as FileSystemType
    from .definitions import AutoParameter as AutoParameter
    from .definitions import TuningDefinition as TuningDefinition
    from .events import TuningJobStatus as TuningJobStatus
    from .gpu_image import GpuTrainingImage as GpuTrainingImage
    from .guardrails import Guardrails as Guardrails
    from .hyperparameters import Json as Json
    from .image import TrainingImage as TrainingImage
    from .image import TrainingImageSource as TrainingImageSource
    from .imported_platform import ImportedHpoPlatform as ImportedHpoPlatform
    from .instances import InstanceConfig as InstanceConfig
    from .instances import OutputCompression as OutputCompression
    from .locations import CompressionType as CompressionType
    from .locations import InputMode as InputMode
    from .locations import RecordWrapping as RecordWrapping
    from .locations import S3DataDistribution as S3DataDistribution
    from .locations import S3DataType as S3DataType
    from .locations import S3Input as S3Input
    from .locations import S3Location as S3Location
    from .objective import MetricDefinition as MetricDefinition
    from .objective import Objective as Objective
    from .objective import ObjectiveType as ObjectiveType
    from .platform import HpoPlatform as HpoPlatform
    from .provider import AnyTuningJobProvider as AnyTuningJobProvider
    from .provider import ImportedTuningJobProvider as ImportedTuningJobProvider
    from .provider import TuningJobProvider as TuningJobProvider
    from .provider_settings import DEFAULT_PROVIDER_SETTINGS as DEFAULT_PROVIDER_SETTINGS
    from .provider_settings import ProviderSettings as ProviderSettings
    from .ranges import CategoricalRange as CategoricalRange
    from .ranges import ContinuousRange as ContinuousRange
    from .ranges import IntegerRange as IntegerRange
    from .ranges import ParameterRange as ParameterRange
    from .ranges import ScalingType as ScalingType
    from .role import TrainingRole as TrainingRole
    from .secure_defaults import SecureBucket as SecureBucket
    from .strategy import Bayesian as Bayesian
    from .strategy import GridSearch as GridSearch
    from .strategy import Hyperband as Hyperband
    from .strategy import RandomSearch as RandomSearch
    from .strategy import Strategy as Strategy
    from .team import Team as Team
    from .training import HyperparameterValue as HyperparameterValue
    from .training import TrainingDefinition as TrainingDefinition
    from .tuning_job import CompletionCriteria as CompletionCriteria
    from .tuning_job import TuningJob as TuningJob
    from .tuning_job_ref import ImportedTuningJob as ImportedTuningJob
    from .warm_start import WarmStart as WarmStart
    from .warm_start import WarmStartType as WarmStartType

#: The version of this library.
__version__: str = _handler_contract.LIBRARY_VERSION


@cache
def _exports() -> dict[str, str]:
    """Each public name and the module that defines it, read from this file's ``TYPE_CHECKING`` imports."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return ["__version__", *sorted(_exports())]
    module = _exports().get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_exports()))
