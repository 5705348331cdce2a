"""Template bytes per extra job when N tuning jobs on N prefixes share one role (a script: pytest does not collect
``bench_*.py``).

Each job reads ``train/`` and ``validation/`` under its own prefix of one bucket and writes ``output/`` there, so
every job adds three prefixes to the shared role's grants. The role is a ``TrainingRole`` or a plain ``iam.Role``
(the library grants the latter through ``add_to_principal_policy``), and the app runs with or without the
``@aws-cdk/aws-iam:minimizePolicies`` feature flag (on in ``cdk.json`` and in apps made by ``cdk init``; off in a
bare ``App()``, where the CDK writes every statement as it was added).

Usage: ``.venv/bin/python -m tests.benchmarks.bench_grants [--jobs 1 100]``; prints one line per cell: the
template's bytes, the shared role's policy bytes and statements, and bytes per extra job.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

BUCKET = "bench-data"
STACK_NAME = "GrantsBench"


def build(stack: Any, jobs: int, role_kind: str) -> None:
    """N XGBoost Hyperband jobs, job ``i`` on the prefix ``jobs/<i>/``, sharing one role of ``role_kind``."""
    from aws_cdk import aws_iam as iam

    from sagemaker_hpo import (
        ContinuousRange,
        Hyperband,
        IntegerRange,
        Objective,
        S3Input,
        TrainingDefinition,
        TrainingImage,
        TrainingRole,
        TuningJob,
    )

    role: Any
    if role_kind == "TrainingRole":
        role = TrainingRole(stack, "SharedRole")
    else:
        role = iam.Role(stack, "SharedRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    image = TrainingImage.builtin_algorithm("xgboost", "1.7-1")
    for index in range(jobs):
        root = f"s3://{BUCKET}/jobs/{index}"
        TuningJob(
            stack,
            f"Job{index}",
            strategy=Hyperband(min_resource=10, max_resource=100),
            objective=Objective.maximize("validation:auc"),
            parameter_ranges=[ContinuousRange("eta", 0, 1), IntegerRange("max_depth", 1, 10)],
            max_jobs=20,
            max_parallel_jobs=5,
            training=TrainingDefinition(
                image=image,
                role=role,
                inputs={
                    "train": S3Input.from_uri(f"{root}/train/", content_type="text/csv"),
                    "validation": S3Input.from_uri(f"{root}/validation/", content_type="text/csv"),
                },
                output_path=f"{root}/output/",
                instance_type="ml.m5.xlarge",
                static_hyperparameters={"objective": "binary:logistic", "num_round": 100},
            ),
        )


def measure(jobs: int, role_kind: str, minimize: bool) -> dict[str, Any]:
    """Synthesize one stack and measure its template and the shared role's policy."""
    import aws_cdk as cdk

    with tempfile.TemporaryDirectory(prefix="grants-bench-") as outdir:
        app = cdk.App(outdir=outdir, context={"@aws-cdk/aws-iam:minimizePolicies": minimize})
        stack = cdk.Stack(app, STACK_NAME)
        build(stack, jobs, role_kind)
        assembly = app.synth()
        path = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
        template = json.loads(path.read_text())
        policies = [
            resource
            for logical_id, resource in template["Resources"].items()
            if resource["Type"] == "AWS::IAM::Policy" and logical_id.startswith("SharedRole")
        ]
        statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
        return {
            "jobs": jobs,
            "role": role_kind,
            "minimize": minimize,
            "template_bytes": path.stat().st_size,
            "policy_bytes": sum(len(json.dumps(p, indent=1)) for p in policies),
            "statements": len(statements),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs=2, default=[1, 100], metavar=("FEW", "MANY"))
    args = parser.parse_args(argv)
    few, many = args.jobs
    print("| role | minimizePolicies | jobs | template bytes | role policy bytes | statements | bytes per extra job |")
    print("| --- | --- | --: | --: | --: | --: | --: |")
    for role_kind in ("TrainingRole", "iam.Role"):
        for minimize in (False, True):
            first = measure(few, role_kind, minimize)
            last = measure(many, role_kind, minimize)
            per_job = (last["template_bytes"] - first["template_bytes"]) / (many - few)
            for row in (first, last):
                print(
                    f"| {role_kind} | {'on' if minimize else 'off'} | {row['jobs']} | {row['template_bytes']:,} | "
                    f"{row['policy_bytes']:,} | {row['statements']} | " + (f"{per_job:,.0f} |" if row is last else "|")
                )


if __name__ == "__main__":
    main()
