"""The instance choices of a rendered ``CreateHyperParameterTuningJob`` training definition, in each of the API's three
forms: ``ResourceConfig``; ``HyperParameterTuningResourceConfig`` in its single form (``InstanceType``,
``InstanceCount``, ``VolumeSizeInGB``); or its ``InstanceConfigs`` (instance fallback). Every reader of a request's
instance types (the guardrails, the dry run) lists them here. No ``aws_cdk`` import: the dry run reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["instance_choices", "resource_structure"]


def instance_choices(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The instance choices of a rendered ``TrainingJobDefinition`` (or one of ``TrainingJobDefinitions``), first
    choice first, each a mapping with ``InstanceType``, ``InstanceCount`` and ``VolumeSizeInGB``: the
    ``InstanceConfigs`` of its ``HyperParameterTuningResourceConfig``, that structure itself in its single form
    (``InstanceType``, ``InstanceCount`` and ``VolumeSizeInGB`` without ``InstanceConfigs``), or its
    ``ResourceConfig``. Empty when the definition names no instances.

    Every reader of a request's instance types (guardrails, dry run, instance-hour limits) lists them here.
    """
    tuning = definition.get("HyperParameterTuningResourceConfig")
    if tuning:
        configs = tuning.get("InstanceConfigs")
        return list(configs) if configs else [tuning]
    resources = definition.get("ResourceConfig")
    return [resources] if resources else []


def resource_structure(definition: Mapping[str, Any]) -> Any:
    """The storage settings of a rendered training definition (``VolumeKmsKeyId`` and the like): its
    ``ResourceConfig`` or its ``HyperParameterTuningResourceConfig``, whichever it has (empty if neither)."""
    return definition.get("ResourceConfig") or definition.get("HyperParameterTuningResourceConfig") or {}
