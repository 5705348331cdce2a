"""The rules of ``sagemaker_hpo.rules.guardrails`` (HPO-GUARD): their cases, keyed by rule id, each run as a tuning job
at synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

import aws_cdk as cdk

from sagemaker_hpo import Guardrails
from tests.rules.builders import HOUR, grid_job, guarded_job, isolated_vpc, keyed_job, output_unkeyed
from tests.rules.cases import Overrides, accepts, rejects

FAILING: list[tuple[str, Overrides, str]] = [
    (
        "HPO-GUARD-001",
        lambda s: guarded_job(s, Guardrails(instance_types=["ml.c5.*"])),
        r"training.instance_type: 'ml.m5.xlarge'; the platform's guardrails: must be one of ml.c5.\*",
    ),
    (
        "HPO-GUARD-002",
        lambda s: guarded_job(s, Guardrails(max_instances_per_job=1), instance_count=2),
        r"training.instance_count: 2; the platform's guardrails: must be at most 1",
    ),
    (
        "HPO-GUARD-003",
        lambda s: guarded_job(s, Guardrails(max_parallel_jobs=2)),
        r"max_parallel_jobs: 5; the platform's guardrails: must be at most 2",
    ),
    (
        "HPO-GUARD-004",
        lambda s: guarded_job(s, Guardrails(max_training_runtime=cdk.Duration.hours(2))),
        r"training.max_runtime: '86400 s'; the platform's guardrails: must be at most 7200 s",
    ),
    (
        "HPO-GUARD-005",
        lambda s: guarded_job(s, Guardrails(max_instance_hours=10), max_runtime=HOUR),
        r"max_jobs x training.instance_count x training.max_runtime: '20 x 1 x 3600 s = 20 instance-hours'",
    ),
    (
        "HPO-GUARD-006",
        lambda s: guarded_job(s, Guardrails(max_instance_hours=5), grid_job(), max_runtime=HOUR),
        r"grid size \(max_jobs left out\) x .*: '6 combinations x 1 x 3600 s = 6 instance-hours'.*at most 5",
    ),
    (
        "HPO-GUARD-007",
        lambda s: guarded_job(s, Guardrails(require_spot=True)),
        r"training.use_spot_instances: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-008",
        lambda s: guarded_job(s, Guardrails(require_vpc=True)),
        r"training.vpc: None; the platform's guardrails: training jobs must run in a VPC",
    ),
    (
        "HPO-GUARD-009",
        lambda s: guarded_job(s, Guardrails(require_network_isolation=True)),
        r"training.enable_network_isolation: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-010",
        lambda s: guarded_job(s, Guardrails(require_inter_container_encryption=True)),
        r"training.enable_inter_container_traffic_encryption: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-011",
        lambda s: guarded_job(s, Guardrails(require_kms=True)),
        r"training.volume_kms_key: None; the platform's guardrails: must be the platform's KMS key",
    ),
    (
        "HPO-GUARD-012",
        lambda s: output_unkeyed(s),
        r"training.output_kms_key: None; the platform's guardrails: must be the platform's KMS key",
    ),
    (
        "HPO-GUARD-013",
        lambda s: guarded_job(s, Guardrails(required_tags=["cost-center"])),
        r"tags: \[\]; the platform's guardrails: must include the tag keys cost-center",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-GUARD-001", lambda s: guarded_job(s, Guardrails(instance_types=["ml.c5.*", "ml.m5.*"]))),
    ("HPO-GUARD-002", lambda s: guarded_job(s, Guardrails(max_instances_per_job=2), instance_count=2)),
    ("HPO-GUARD-003", lambda s: guarded_job(s, Guardrails(max_parallel_jobs=5))),
    ("HPO-GUARD-004", lambda s: guarded_job(s, Guardrails(max_training_runtime=HOUR), max_runtime=HOUR)),
    ("HPO-GUARD-005", lambda s: guarded_job(s, Guardrails(max_instance_hours=20), max_runtime=HOUR)),
    ("HPO-GUARD-006", lambda s: guarded_job(s, Guardrails(max_instance_hours=6), grid_job(), max_runtime=HOUR)),
    ("HPO-GUARD-007", lambda s: guarded_job(s, Guardrails(require_spot=True), use_spot_instances=True)),
    ("HPO-GUARD-008", lambda s: guarded_job(s, Guardrails(require_vpc=True), vpc=isolated_vpc(s))),
    (
        "HPO-GUARD-009",
        lambda s: guarded_job(s, Guardrails(require_network_isolation=True), enable_network_isolation=True),
    ),
    (
        "HPO-GUARD-010",
        lambda s: guarded_job(
            s, Guardrails(require_inter_container_encryption=True), enable_inter_container_traffic_encryption=True
        ),
    ),
    ("HPO-GUARD-011", lambda s: keyed_job(s)),
    (
        "HPO-GUARD-011:local-storage",
        lambda s: guarded_job(s, Guardrails(require_kms=True), instance_type="ml.g4dn.xlarge"),
    ),
    ("HPO-GUARD-012", lambda s: keyed_job(s)),
    (
        "HPO-GUARD-013",
        lambda s: guarded_job(s, Guardrails(required_tags=["cost-center"]), {"tags": {"cost-center": "cv"}}),
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
