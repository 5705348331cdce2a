"""The facts of botocore's SageMaker service model the rules use: enums, lengths, ranges and patterns.

They ship in the package as ``data/sagemaker-service-model.json`` (the library does not need botocore at run
time). Regenerate the file after upgrading botocore, and review the diff::

    python -m sagemaker_hpo.rules.service_model        # or: make rules-data

``tests/test_rules_registry.py`` regenerates it from the installed botocore and fails when the shipped file differs.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from typing import Any

from .._data_files import load_json, write_text

#: The shapes of ``CreateHyperParameterTuningJob`` the rules read (enums, min/max, patterns).
SHAPES = (
    # enums
    "TrainingInstanceType",
    "TrainingInputMode",
    "S3DataDistribution",
    "CompressionType",
    "HyperParameterScalingType",
    "HyperParameterTuningJobObjectiveType",
    "HyperParameterTuningJobStrategyType",
    "HyperParameterTuningJobWarmStartType",
    # names, lengths and patterns
    "HyperParameterTuningJobName",
    "ParameterKey",
    "ParameterValue",
    "ParameterValues",
    "HyperParameterKey",
    "HyperParameterValue",
    "HyperParameters",
    "MetricName",
    "MetricRegex",
    "MetricDefinitionList",
    "ChannelName",
    "ContentType",
    "InputDataConfig",
    "S3Uri",
    "RoleArn",
    "TagKey",
    "TagValue",
    "TagList",
    "HyperParameterTrainingJobEnvironmentKey",
    "HyperParameterTrainingJobEnvironmentValue",
    "HyperParameterTrainingJobEnvironmentMap",
    "VpcSecurityGroupIds",
    "Subnets",
    "ParentHyperParameterTuningJobs",
    # integer ranges
    "HyperParameterTuningMaxRuntimeInSeconds",
    "MaxNumberOfTrainingJobs",
    "MaxParallelTrainingJobs",
    "RandomSeed",
    "MaxNumberOfTrainingJobsNotImproving",
    "HyperbandStrategyMinResource",
    "HyperbandStrategyMaxResource",
    "TrainingInstanceCount",
    "OptionalVolumeSizeInGB",
    "MaxRuntimeInSeconds",
    "MaxWaitTimeInSeconds",
)
_KEYS = ("type", "min", "max", "pattern", "enum")
DATA_FILE = "data/sagemaker-service-model.json"
#: Integers in AWS service models are 32-bit signed (Smithy ``integer``): the maximum of any integer field
#: without a stated one.
MAX_API_INTEGER = 2**31 - 1


def generate() -> dict[str, Any]:
    """The data file's content, read from the installed botocore (a development dependency)."""
    import botocore
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    shapes = model["shapes"]
    return {
        "source": f"botocore {botocore.__version__}, sagemaker {model['metadata']['apiVersion']} service-2.json",
        "shapes": {name: {key: shapes[name][key] for key in _KEYS if key in shapes[name]} for name in SHAPES},
    }


def render(data: dict[str, Any]) -> str:
    """The data file's text."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


@cache
def shipped() -> dict[str, Any]:
    """The shipped data file."""
    data: dict[str, Any] = load_json(DATA_FILE)
    return data


def shape(name: str) -> dict[str, Any]:
    """One shape's facts: ``type`` and, where the model states them, ``min``, ``max``, ``pattern``, ``enum``."""
    found: dict[str, Any] = shipped()["shapes"][name]
    return found


def enum(name: str) -> tuple[str, ...]:
    """An enum shape's values."""
    return tuple(shape(name)["enum"])


def maximum(name: str) -> int:
    """An integer shape's maximum (the 32-bit maximum where the model states none), or a string/list's length."""
    return int(shape(name).get("max", MAX_API_INTEGER))


def minimum(name: str) -> int:
    """A shape's minimum (value, length or count); 0 where the model states none."""
    return int(shape(name).get("min", 0))


@cache
def pattern(name: str) -> re.Pattern[str]:
    """A string shape's pattern, anchored (the model's patterns must match the whole value)."""
    return re.compile(f"^(?:{shape(name)['pattern']})$")


def main(argv: list[str] | None = None) -> int:
    """Write the data file beside this package (in a checkout: ``constructs/sagemaker_hpo/data/``)."""
    write_text(DATA_FILE, render(generate()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
