"""The rules of ``sagemaker_hpo.rules.training`` (HPO-TRAIN): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from tests import request_cases
from tests.construct_support import training
from tests.rules.builders import chosen_subnets, repeated_security_group, vpc_training
from tests.rules.cases import Overrides, accepts, cases_of, rejects, warns

FAILING: list[tuple[str, Overrides, str]] = [
    # training
    (
        "HPO-TRAIN-001:size",
        lambda s: {"training": training(instance_type="ml.m5.xxxlarge")},
        r"instance_type: 'ml.m5.xxxlarge'; is not a SageMaker training instance type; ml.m5 sizes: ml.m5.large.*"
        r"allow_unlisted_instance_type=True",
    ),
    (
        "HPO-TRAIN-001:family",
        lambda s: {"training": training(instance_type="ml.fake.huge")},
        r"instance_type: 'ml.fake.huge'; is not a SageMaker training instance type",
    ),
    ("HPO-TRAIN-001:prefix", lambda s: {"training": training(instance_type="m5.xlarge")}, r"'m5.xlarge'"),
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="m5.xlarge", allow_unlisted_instance_type=True)},
        r"instance_type: 'm5.xlarge'; must look like ml.<family>.<size>",
    ),
    ("HPO-TRAIN-003", lambda s: {"training": training(instance_count=0)}, r"training.instance_count: 0.*>= 1"),
    (
        "HPO-TRAIN-004",
        lambda s: {"training": training(volume_size=cdk.Size.tebibytes(100))},
        r"training.volume_size: '102400 GiB'; must be 1 to 16384 GiB",
    ),
    (
        "HPO-TRAIN-005",
        lambda s: {"training": training(max_runtime=cdk.Duration.days(29))},
        r"training.max_runtime \(seconds\): 2505600.*<= 2419200",
    ),
    (
        "HPO-TRAIN-006",
        lambda s: {"training": training(max_wait=cdk.Duration.hours(1))},
        r"training.max_wait.*only allowed with use_spot_instances",
    ),
    (
        "HPO-TRAIN-007",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_runtime=cdk.Duration.hours(2), max_wait=cdk.Duration.hours(1)
            )
        },
        r"training.max_wait: '1 hour'.*at least max_runtime \(2 hours\)",
    ),
    (
        "HPO-TRAIN-009",
        lambda s: {"training": training(environment={f"K{i}": "v" for i in range(49)})},
        r"training.environment: '49 entries'.*0 to 48",
    ),
    ("HPO-TRAIN-010", lambda s: {"training": training(environment={"1BAD": "v"})}, r"training.environment key: '1BAD'"),
    (
        "HPO-TRAIN-011",
        lambda s: {"training": training(environment={"K": "v" * 513})},
        r"training.environment\['K'\].*0 to 512",
    ),
    (
        "HPO-TRAIN-012",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::12345:role/x", mutable=False))
        },
        r"training.role: 'arn:aws:iam::12345:role/x'.*IAM role ARN",
    ),
    ("HPO-TRAIN-013", lambda s: chosen_subnets(s, 17), r"training.subnets: '17 entries'.*1 to 16"),
    ("HPO-TRAIN-014", lambda s: vpc_training(s, 6), r"training.security_groups: '6 entries'.*1 to 5"),
    (
        "HPO-TRAIN-015",
        lambda s: {"training": training(instance_type="ml.g4dn.xlarge", volume_kms_key=kms.Key(s, "VolumeKey"))},
        r"training.volume_kms_key: 'Rules/VolumeKey'; ml.g4dn.xlarge has local NVMe storage",
    ),
    (
        "HPO-TRAIN-016",
        lambda s: repeated_security_group(s),
        r"training.security_groups: \[.*\]; each id may be listed once",
    ),
] + cases_of(request_cases.FAILING, __name__)
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-TRAIN-001", lambda s: {"training": training(instance_type="ml.p4d.24xlarge")}),
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="ml.g5.xlarge", allow_unlisted_instance_type=True)},
    ),
    ("HPO-TRAIN-003", lambda s: {"training": training(instance_count=2)}),
    ("HPO-TRAIN-004", lambda s: {"training": training(volume_size=cdk.Size.tebibytes(16))}),
    ("HPO-TRAIN-005", lambda s: {"training": training(max_runtime=cdk.Duration.days(28))}),
    (
        "HPO-TRAIN-006",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_wait=cdk.Duration.hours(48), checkpoint_path="s3://bkt/c/"
            )
        },
    ),
    (
        "HPO-TRAIN-007",
        lambda s: {
            "training": training(
                use_spot_instances=True,
                max_runtime=cdk.Duration.hours(2),
                max_wait=cdk.Duration.hours(2),
                checkpoint_path="s3://bkt/checkpoints/",
            )
        },
    ),
    (
        "HPO-TRAIN-008",
        lambda s: {"training": training(use_spot_instances=True, checkpoint_path="s3://bkt/checkpoints/")},
    ),
    ("HPO-TRAIN-009", lambda s: {"training": training(environment={f"K_{i}": "v" for i in range(48)})}),
    ("HPO-TRAIN-010", lambda s: {"training": training(environment={"_K1": "v"})}),
    ("HPO-TRAIN-011", lambda s: {"training": training(environment={"K": "v" * 512})}),
    (
        "HPO-TRAIN-012",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::123456789012:role/x", mutable=False))
        },
    ),
    ("HPO-TRAIN-013", lambda s: chosen_subnets(s, 16)),
    ("HPO-TRAIN-014", lambda s: vpc_training(s, 5)),
    ("HPO-TRAIN-015", lambda s: {"training": training(instance_type="ml.m5.xlarge", volume_kms_key=kms.Key(s, "K"))}),
    ("HPO-TRAIN-015:no-key", lambda s: {"training": training(instance_type="ml.g4dn.xlarge")}),
    ("HPO-TRAIN-016", lambda s: vpc_training(s, 2)),
] + cases_of(request_cases.PASSING, __name__)
WARNS: list[tuple[str, Overrides, str]] = [
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="ml.p9.96xlarge", allow_unlisted_instance_type=True)},
        "'ml.p9.96xlarge' is not in this library's list of training instance types",
    ),
    ("HPO-TRAIN-008", lambda s: {"training": training(use_spot_instances=True)}, "without checkpoint_path"),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
