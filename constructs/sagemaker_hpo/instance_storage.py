"""Training instance types with local NVMe instance storage: SageMaker refuses a volume KMS key for them.

Source: the SageMaker API reference, ``ResourceConfig.VolumeKmsKeyId`` ("Certain Nitro-based instances include local
storage ... You can't request a VolumeKmsKeyId when using an instance type with local storage") and
``ResourceConfig.VolumeSizeInGB`` ("ML instance families with the NVMe-type instance storage include ml.p4d, ml.g4dn,
and ml.g5"); the families below are the training instance families of botocore's ``TrainingInstanceType`` enum whose
EC2 counterparts have NVMe instance store volumes (Amazon EC2 User Guide, "Instance store volume limits for EC2
instances"). Used by the synth-time rule HPO-TRAIN-015 and by the IAM guardrail that requires the platform's volume
key (which must leave these types out: their requests carry no volume key by design).
"""

from __future__ import annotations

#: The training instance families (``ml.<family>``) whose instances have local NVMe storage.
LOCAL_STORAGE_FAMILIES: frozenset[str] = frozenset(
    {
        "ml.g4dn",
        "ml.g5",
        "ml.g6",
        "ml.g6e",
        "ml.g7e",
        "ml.p3dn",
        "ml.p4d",
        "ml.p4de",
        "ml.p5",
        "ml.p5e",
        "ml.p5en",
        "ml.p6-b200",
        "ml.p6-b300",
        "ml.p6e-gb200",
        "ml.r5d",
        "ml.trn1",
        "ml.trn1n",
        "ml.trn2",
    }
)

#: The same families as IAM ``StringLike`` patterns (``ml.g4dn.*``), sorted, e.g. for a ``sagemaker:InstanceTypes``
#: condition.
LOCAL_STORAGE_INSTANCE_PATTERNS: tuple[str, ...] = tuple(sorted(f"{family}.*" for family in LOCAL_STORAGE_FAMILIES))


def has_local_storage(instance_type: str) -> bool:
    """True when ``instance_type`` (``ml.<family>.<size>``) has local NVMe storage, so takes no volume KMS key."""
    return instance_type.rsplit(".", 1)[0] in LOCAL_STORAGE_FAMILIES
