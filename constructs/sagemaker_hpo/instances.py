"""Instance fallback: the instance types a tuning job's training jobs may run on, in priority order."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aws_cdk import Size, SizeRoundingBehavior

from ._validation import is_unresolved


@dataclass(frozen=True)
class InstanceConfig:
    """One instance type a tuning job's training jobs may run on (``HyperParameterTuningInstanceConfig``). Listed in
    ``TrainingDefinition(instance_configs=[...])``, first choice first: SageMaker falls back to the next when the
    first has no capacity.

    :param instance_type: the ML instance type, e.g. ``ml.g5.xlarge`` (one of SageMaker's training instance types).
    :param count: instances per training job. Default: 1.
    :param volume_size: the storage volume per instance (1 to 16,384 GiB, whole GiB). Default: 30 GiB.
    """

    instance_type: str
    count: int = 1
    volume_size: Size = field(default_factory=lambda: Size.gibibytes(30))

    @property
    def volume_gib(self) -> float:
        """The volume size in GiB, not rounded (a whole number once the rules have passed)."""
        return self.volume_size.to_gibibytes(rounding=SizeRoundingBehavior.NONE)

    def _render(self) -> dict[str, Any]:
        volume = self.volume_gib
        return {
            "InstanceType": self.instance_type,
            "InstanceCount": self.count,
            "VolumeSizeInGB": volume if is_unresolved(volume) else int(volume),
        }


class OutputCompression(str, Enum):
    """How the model artifacts are written (the API's ``OutputCompressionType``)."""

    #: A ``model.tar.gz`` (SageMaker's default).
    GZIP = "GZIP"
    #: Uncompressed files under the output path (faster for large models).
    NONE = "NONE"
