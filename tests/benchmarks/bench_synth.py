"""Synth benchmark: N tuning jobs in one stack, as ``TuningJob``s and as ``AwsCustomResource`` calls (a script:
pytest does not collect ``bench_*.py``).

Both variants build the same stack: one ``TrainingRole`` shared by N = 1, 10 and 100 XGBoost Hyperband tuning jobs
that differ in one static hyperparameter. The baseline is what a user would write without this library: an
``AwsCustomResource`` per job calling ``CreateHyperParameterTuningJob`` with the same request (plus a name), a policy
from ``AwsCustomResourcePolicy.from_sdk_calls(resources=ANY_RESOURCE)`` and an ``iam:PassRole`` statement for the
shared role. A check before the timed runs resolves the first job's request in both variants and requires them to be
equal.

Each run is a fresh Python process (a fresh jsii runtime and ``App`` with the context of ``cdk.json``) writing to a
fresh output folder. The timed part is building the stack plus ``app.synth()`` (asset staging and this library's
validations included); starting the process, the jsii runtime and importing ``aws_cdk`` are the same for both
variants and every N, and are reported apart ("startup"). Runs are interleaved (every variant and N once per round)
so that load from other processes spreads over all of them; the tables give medians.

Usage: ``.venv/bin/python -m tests.benchmarks.bench_synth [--repeats 7] [--jobs 1 10 100] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("ours", "baseline")
DEFAULT_JOBS = (1, 10, 100)
#: The context ``cdk synth`` and ``cdk deploy`` add by default (path metadata, asset metadata, version reporting).
CLI_CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
}
#: Issue #20: 100 jobs synthesize within 1.3x of one job (was 1.5x).
TIME_RATIO_TARGET = 1.3
STACK_NAME = "SynthBench"
DATA = "s3://bench-data"

# CloudFormation's per-stack limits (the library's own constants are used by the library's check).
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
MAX_INLINE_TEMPLATE_BYTES = 51_200


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(ROOT / ".cache" / "jsii"))
    env.setdefault("CDK_HOME", str(ROOT / ".cdk-home"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# -- the stacks (run inside the worker process) ---------------------------------------------------------------------


def _request(index: int, role_arn: str, image_uri: str) -> dict[str, Any]:
    """The ``CreateHyperParameterTuningJob`` request of job ``index`` as a user writes it by hand (without a name)."""
    auto = "Auto"
    return {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Hyperband",
            "TrainingJobEarlyStoppingType": "Off",
            "StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}},
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxParallelTrainingJobs": 5, "MaxNumberOfTrainingJobs": 20},
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": auto}
                ],
                "ContinuousParameterRanges": [
                    {"Name": "eta", "MinValue": "0", "MaxValue": "1", "ScalingType": auto},
                    {"Name": "min_child_weight", "MinValue": "1", "MaxValue": "10", "ScalingType": auto},
                    {"Name": "alpha", "MinValue": "0", "MaxValue": "2", "ScalingType": auto},
                ],
            },
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": image_uri, "TrainingInputMode": "File"},
            "RoleArn": role_arn,
            "InputDataConfig": [
                {
                    "ChannelName": channel,
                    "ContentType": "text/csv",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"{DATA}/{channel}/",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
                for channel in ("train", "validation")
            ],
            "OutputDataConfig": {"S3OutputPath": f"{DATA}/output/"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": False,
            "EnableManagedSpotTraining": False,
            "StaticHyperParameters": {"objective": "binary:logistic", "num_round": str(100 + index)},
        },
    }


def _shared_role(stack: Any) -> Any:
    from sagemaker_hpo import S3Location, TrainingRole

    return TrainingRole(
        stack,
        "TrainingRole",
        data_locations=[S3Location.from_uri(f"{DATA}/train/"), S3Location.from_uri(f"{DATA}/validation/")],
        artifact_locations=[S3Location.from_uri(f"{DATA}/output/")],
    )


def build_ours(stack: Any, jobs: int) -> list[Any]:
    """N ``TuningJob``s sharing one ``TrainingRole``."""
    from sagemaker_hpo import (
        ContinuousRange,
        Hyperband,
        IntegerRange,
        Objective,
        S3Input,
        TrainingDefinition,
        TrainingImage,
        TuningJob,
    )

    role = _shared_role(stack)
    image = TrainingImage.builtin_algorithm("xgboost", "1.7-1")
    created = []
    for index in range(jobs):
        created.append(
            TuningJob(
                stack,
                f"Job{index}",
                strategy=Hyperband(min_resource=10, max_resource=100),
                objective=Objective.maximize("validation:auc"),
                parameter_ranges=[
                    ContinuousRange("eta", 0, 1),
                    ContinuousRange("min_child_weight", 1, 10),
                    ContinuousRange("alpha", 0, 2),
                    IntegerRange("max_depth", 1, 10),
                ],
                max_jobs=20,
                max_parallel_jobs=5,
                training=TrainingDefinition(
                    image=image,
                    inputs={
                        "train": S3Input.from_uri(f"{DATA}/train/", content_type="text/csv"),
                        "validation": S3Input.from_uri(f"{DATA}/validation/", content_type="text/csv"),
                    },
                    output_path=f"{DATA}/output/",
                    instance_type="ml.m5.xlarge",
                    static_hyperparameters={"objective": "binary:logistic", "num_round": 100 + index},
                    role=role,
                ),
            )
        )
    return created


def build_baseline(stack: Any, jobs: int) -> list[dict[str, Any]]:
    """N ``AwsCustomResource`` calls of ``CreateHyperParameterTuningJob`` sharing one ``TrainingRole``."""
    from aws_cdk import aws_iam as iam
    from aws_cdk import custom_resources as cr

    from sagemaker_hpo import TrainingImage

    role = _shared_role(stack)
    # The same image expression as the library's (a per-region registry mapping in an environment-agnostic stack).
    image_uri = TrainingImage.builtin_algorithm("xgboost", "1.7-1").bind(stack, None).image_uri
    requests = []
    for index in range(jobs):
        name = f"synth-bench-{index:03d}"
        request = {"HyperParameterTuningJobName": name, **_request(index, role.role_arn, image_uri)}
        call = cr.AwsCustomResource(
            stack,
            f"Job{index}",
            on_create=cr.AwsSdkCall(
                service="SageMaker",
                action="createHyperParameterTuningJob",
                parameters=request,
                physical_resource_id=cr.PhysicalResourceId.of(name),
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
        )
        call.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        requests.append(request)
    return requests


def _app(outdir: str, cli_context: bool) -> Any:
    import aws_cdk as cdk

    context = dict(json.loads((ROOT / "cdk.json").read_text())["context"])
    if cli_context:
        context.update(CLI_CONTEXT)
    return cdk.App(outdir=outdir, context=context)


def _build_and_synth(variant: str, jobs: int, outdir: str, cli_context: bool) -> tuple[float, float, Any, Any]:
    import aws_cdk as cdk

    started = time.perf_counter()
    app = _app(outdir, cli_context)
    stack = cdk.Stack(app, STACK_NAME)
    (build_ours if variant == "ours" else build_baseline)(stack, jobs)
    built = time.perf_counter()
    assembly = app.synth()
    return built - started, time.perf_counter() - built, assembly, stack


def _limits_check_seconds(stack: Any) -> float:
    """What the library's per-stack limits check costs (it runs once per synthesis; here once more, timed)."""
    from sagemaker_hpo.limits import StackLimits, check_usage

    started = time.perf_counter()
    limits = StackLimits.of(stack)
    check_usage(limits.usage(template=limits.template_path))
    return time.perf_counter() - started


def worker(variant: str, jobs: int, outdir: str, cli_context: bool) -> dict[str, Any]:
    """Build and synthesize one stack in this fresh process (cold), then again in a fresh ``App`` (warm).

    Cold is what one ``cdk synth`` costs: the first synthesis in a process also loads the CDK's JavaScript modules
    (a few seconds, the same for both variants). Warm repeats the same work in a fresh ``App`` and a fresh output
    folder once those modules are loaded, which isolates what each tuning job adds.
    """
    started = time.perf_counter()
    import aws_cdk  # noqa: F401  (the jsii runtime starts here)

    import sagemaker_hpo  # noqa: F401  (imported before the clock starts, as in any app)

    imported = time.perf_counter()
    construct_s, synth_s, assembly, _ = _build_and_synth(variant, jobs, str(Path(outdir) / "cold"), cli_context)
    cold_done_wall = time.time()
    warm_construct_s, warm_synth_s, _, stack = _build_and_synth(variant, jobs, str(Path(outdir) / "warm"), cli_context)
    limits_s = _limits_check_seconds(stack) if variant == "ours" else 0.0
    template_path = Path(assembly.get_stack_by_name(STACK_NAME).template_full_path)
    template = json.loads(template_path.read_text())
    types = Counter(resource["Type"] for resource in template.get("Resources", {}).values())
    return {
        "variant": variant,
        "jobs": jobs,
        "cli_context": cli_context,
        "startup_s": imported - started,
        "construct_s": construct_s,
        "synth_s": synth_s,
        "time_s": construct_s + synth_s,
        "warm_construct_s": warm_construct_s,
        "warm_synth_s": warm_synth_s,
        "warm_s": warm_construct_s + warm_synth_s,
        "cold_done_wall": cold_done_wall,
        "limits_check_s": limits_s,
        "template_bytes": template_path.stat().st_size,
        "resources": sum(types.values()),
        "functions": types.get("AWS::Lambda::Function", 0),
        "types": dict(types),
    }


def verify_same_request() -> dict[str, Any]:
    """Resolve job 0's request in both variants (each in its own stack of one app) and compare them."""
    import aws_cdk as cdk

    with tempfile.TemporaryDirectory() as outdir:
        app = _app(outdir, False)
        ours_stack = cdk.Stack(app, "Ours")
        baseline_stack = cdk.Stack(app, "Baseline")
        (job,) = build_ours(ours_stack, 1)
        (request,) = build_baseline(baseline_stack, 1)
        ours = ours_stack.resolve(job.request)
        baseline = baseline_stack.resolve({k: v for k, v in request.items() if k != "HyperParameterTuningJobName"})
    return {"same": ours == baseline, "ours": ours, "baseline": baseline}


# -- the driver -----------------------------------------------------------------------------------------------------


def _run_worker(variant: str, jobs: int, cli_context: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as outdir:
        argv = [sys.executable, "-m", "tests.benchmarks.bench_synth", "--worker", variant, str(jobs), outdir]
        if cli_context:
            argv.append("--cli-context")
        spawned = time.time()
        done = subprocess.run(argv, cwd=ROOT, env=_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker {variant} N={jobs} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # From spawning the interpreter to the end of the first synthesis: one `cdk synth` app run.
    result["process_s"] = result["cold_done_wall"] - spawned
    return result


def _verify() -> dict[str, Any]:
    argv = [sys.executable, "-m", "tests.benchmarks.bench_synth", "--verify"]
    done = subprocess.run(argv, cwd=ROOT, env=_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"request check failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _per_extra_job(first: dict[str, Any], last: dict[str, Any], key: str) -> float:
    return float(last[key] - first[key]) / (last["jobs"] - first["jobs"])


def _capacity(one: dict[str, Any], many: dict[str, Any]) -> dict[str, Any]:
    """How many jobs fit under each limit, from the fixed part and the per-job increments of two stacks."""
    per_bytes = _per_extra_job(one, many, "template_bytes")
    per_resources = _per_extra_job(one, many, "resources")
    fixed_bytes = one["template_bytes"] - one["jobs"] * per_bytes
    fixed_resources = one["resources"] - one["jobs"] * per_resources
    by_resources = int((MAX_RESOURCES - fixed_resources) // per_resources)
    by_bytes = int((MAX_TEMPLATE_BYTES - fixed_bytes) // per_bytes)
    inline = int(max(MAX_INLINE_TEMPLATE_BYTES - fixed_bytes, 0) // per_bytes)
    return {
        "fixed_bytes": fixed_bytes,
        "bytes_per_job": per_bytes,
        "fixed_resources": fixed_resources,
        "resources_per_job": per_resources,
        "jobs_by_resources": by_resources,
        "jobs_by_bytes": by_bytes,
        "jobs_inline": inline,
        "jobs": min(by_resources, by_bytes),
        "binding_limit": "resources" if by_resources <= by_bytes else "template size",
    }


def run(jobs: Sequence[int] = DEFAULT_JOBS, repeats: int = 7) -> dict[str, Any]:
    """Verify the baseline's request, time every variant and N ``repeats`` times, measure the CLI-context sizes."""
    verified = _verify()
    if not verified["same"]:
        raise RuntimeError(
            "the baseline's request differs from the TuningJob's; update _request() in bench_synth.py:\n"
            f"ours:     {json.dumps(verified['ours'], sort_keys=True)}\n"
            f"baseline: {json.dumps(verified['baseline'], sort_keys=True)}"
        )
    samples: dict[tuple[str, int], list[dict[str, Any]]] = {(v, n): [] for v in VARIANTS for n in jobs}
    for round_index in range(repeats):
        order = [(v, n) for n in jobs for v in VARIANTS]
        if round_index % 2:
            order.reverse()
        for variant, count in order:
            samples[(variant, count)].append(_run_worker(variant, count, cli_context=False))
            print(f"  round {round_index + 1}/{repeats}: {variant} N={count} done", file=sys.stderr, flush=True)
    rows: dict[str, dict[int, dict[str, Any]]] = {v: {} for v in VARIANTS}
    for (variant, count), runs in samples.items():
        first = runs[0]
        rows[variant][count] = {
            "jobs": count,
            "runs": len(runs),
            **{
                key: statistics.median(r[key] for r in runs)
                for key in ("time_s", "construct_s", "synth_s", "startup_s", "process_s", "warm_s", "limits_check_s")
            },
            "time_min_s": min(r["time_s"] for r in runs),
            "time_max_s": max(r["time_s"] for r in runs),
            "template_bytes": first["template_bytes"],
            "resources": first["resources"],
            "functions": first["functions"],
            "types": first["types"],
        }
    low, high = min(jobs), max(jobs)
    cli = {v: {n: _run_worker(v, n, cli_context=True) for n in (low, high)} for v in VARIANTS}
    scaling = {}
    for variant in VARIANTS:
        one, many = rows[variant][low], rows[variant][high]
        scaling[variant] = {
            "time_ratio": many["time_s"] / one["time_s"],
            "process_ratio": many["process_s"] / one["process_s"],
            "warm_ratio": many["warm_s"] / one["warm_s"],
            "warm_ms_per_job": 1000 * _per_extra_job(one, many, "warm_s"),
            "bytes_per_job": _per_extra_job(one, many, "template_bytes"),
            "resources_per_job": _per_extra_job(one, many, "resources"),
            "functions_grow": many["functions"] != one["functions"],
            "capacity": _capacity(one, many),
            "capacity_cli": _capacity(cli[variant][low], cli[variant][high]),
        }
    ours, base = scaling["ours"], scaling["baseline"]
    targets = {
        "time": ours["time_ratio"] <= TIME_RATIO_TARGET,
        "resources": ours["resources_per_job"] == 1,
        "bytes": ours["bytes_per_job"] < base["bytes_per_job"],
        "functions": not ours["functions_grow"],
    }
    return {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "jobs": list(jobs),
        "repeats": repeats,
        "rows": rows,
        "scaling": scaling,
        "cli": {v: {str(n): cli[v][n] for n in cli[v]} for v in VARIANTS},
        "targets": targets,
        "passed": all(targets.values()),
    }


def machine() -> dict[str, str]:
    """The machine and tool versions the figures were measured with."""
    from importlib.metadata import version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node = "unknown"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "unknown"),
        "memory": memory,
        "python": sys.version.split()[0],
        "node": node,
        "aws_cdk_lib": version("aws-cdk-lib"),
        "jsii": version("jsii"),
        "load": load,
    }


# -- the report -----------------------------------------------------------------------------------------------------


def _verdict(flag: bool) -> str:
    return "met" if flag else "**NOT met**"


def markdown(summary: dict[str, Any]) -> str:
    """The measured tables, target verdicts and capacity computation, as markdown."""
    m = summary["machine"]
    rows, scaling, targets = summary["rows"], summary["scaling"], summary["targets"]
    jobs = summary["jobs"]
    low, high = min(jobs), max(jobs)
    names = {"ours": "TuningJob", "baseline": "AwsCustomResource"}
    startup = statistics.median(rows[v][n]["startup_s"] for v in VARIANTS for n in jobs)
    lines = [
        f"Measured {summary['date']} by `make bench` on {m['cpu']}, {m['cores']} cores (`nproc`), {m['memory']} "
        f"memory; Python {m['python']}, Node {m['node']}, aws-cdk-lib {m['aws_cdk_lib']}, jsii {m['jsii']}. "
        f"Load average when it finished: {m['load']} (other work shared the machine). Medians of "
        f"{summary['repeats']} fresh processes per row; startup (Python, the jsii runtime, `import aws_cdk`) took "
        f"{startup:.2f} s in every process and is not in the synth times.",
        "",
        "| variant | jobs | synth time (s) | min–max (s) | build (s) | `app.synth()` (s) | warm (s) | process (s) "
        "| template bytes | resources | Lambda functions |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for variant in VARIANTS:
        for count in jobs:
            row = rows[variant][count]
            lines.append(
                f"| {names[variant]} | {count} | {row['time_s']:.2f} | {row['time_min_s']:.2f}–{row['time_max_s']:.2f} "
                f"| {row['construct_s']:.2f} | {row['synth_s']:.2f} | {row['warm_s']:.2f} | {row['process_s']:.2f} "
                f"| {row['template_bytes']:,} | {row['resources']} | {row['functions']} |"
            )
    ours, base = scaling["ours"], scaling["baseline"]

    def ratio(key: str, count: int) -> str:
        return f"{rows['ours'][count][key] / rows['baseline'][count][key]:.2f}"

    lines += [
        "",
        "*synth time* = build + `app.synth()` in a fresh process (one `cdk synth`; the first synthesis in a process "
        "also loads the CDK's JavaScript, a few seconds for either variant); *warm* = the same again in a fresh `App` "
        "of the same process; *process* = from starting Python to the end of the first synthesis.",
        "",
        "| figure | TuningJob | AwsCustomResource | ours / baseline |",
        "| --- | --: | --: | --: |",
    ]
    for count in jobs:
        lines.append(
            f"| synth time, {count} job(s) (s) | {rows['ours'][count]['time_s']:.2f} | "
            f"{rows['baseline'][count]['time_s']:.2f} | {ratio('time_s', count)} |"
        )
    for count in jobs:
        lines.append(
            f"| template bytes, {count} job(s) | {rows['ours'][count]['template_bytes']:,} | "
            f"{rows['baseline'][count]['template_bytes']:,} | {ratio('template_bytes', count)} |"
        )
    lines += [
        f"| synth time {high} jobs / {low} job | {ours['time_ratio']:.2f}x | {base['time_ratio']:.2f}x | |",
        f"| process time {high} jobs / {low} job | {ours['process_ratio']:.2f}x | {base['process_ratio']:.2f}x | |",
        f"| warm time {high} jobs / {low} job | {ours['warm_ratio']:.2f}x | {base['warm_ratio']:.2f}x | |",
        f"| warm time per extra job (ms) | {ours['warm_ms_per_job']:.1f} | {base['warm_ms_per_job']:.1f} | "
        f"{ours['warm_ms_per_job'] / base['warm_ms_per_job']:.2f} |",
        f"| limits check per synthesis, {low} → {high} jobs (ms) | {1000 * rows['ours'][low]['limits_check_s']:.0f} → "
        f"{1000 * rows['ours'][high]['limits_check_s']:.0f} | (none) | |",
        f"| bytes per extra job | {ours['bytes_per_job']:,.0f} | {base['bytes_per_job']:,.0f} | "
        f"{ours['bytes_per_job'] / base['bytes_per_job']:.2f} |",
        f"| resources per extra job | {ours['resources_per_job']:g} | {base['resources_per_job']:g} | |",
        f"| Lambda functions, {low} → {high} jobs | {rows['ours'][low]['functions']} → "
        f"{rows['ours'][high]['functions']} | {rows['baseline'][low]['functions']} → "
        f"{rows['baseline'][high]['functions']} | |",
        "",
        "Targets for TuningJob:",
        "",
        f"- {high} jobs synthesize in at most {TIME_RATIO_TARGET}x the time of {low} (synth time): "
        f"{ours['time_ratio']:.2f}x — {_verdict(targets['time'])}",
        f"- each extra job adds exactly 1 resource: {ours['resources_per_job']:g} — {_verdict(targets['resources'])}",
        f"- each extra job adds fewer bytes than the baseline's: {ours['bytes_per_job']:,.0f} vs "
        f"{base['bytes_per_job']:,.0f} — {_verdict(targets['bytes'])}",
        f"- the Lambda function count does not grow with N: {rows['ours'][low]['functions']} → "
        f"{rows['ours'][high]['functions']} — {_verdict(targets['functions'])}",
        "",
        "Capacity of one stack (CloudFormation: 500 resources; a template read from S3 of at most 1 MB, taken as "
        "1,000,000 bytes like the CDK's own check). Fixed part = the N=1 stack less one job; jobs that fit = "
        "min(⌊(500 − fixed resources) / resources per job⌋, ⌊(1,000,000 − fixed bytes) / bytes per job⌋). "
        "*As deployed* uses the context `cdk synth` and `cdk deploy` add by default (path metadata on every resource, "
        "asset metadata, the `AWS::CDK::Metadata` resource), measured the same way:",
        "",
        "| | TuningJob | AwsCustomResource | TuningJob, as deployed | AwsCustomResource, as deployed |",
        "| --- | --: | --: | --: | --: |",
    ]
    caps = [ours["capacity"], base["capacity"], ours["capacity_cli"], base["capacity_cli"]]
    for label, key, fmt in (
        ("fixed resources", "fixed_resources", "{:g}"),
        ("resources per job", "resources_per_job", "{:g}"),
        ("fixed bytes", "fixed_bytes", "{:,.0f}"),
        ("bytes per job", "bytes_per_job", "{:,.0f}"),
        ("jobs within 500 resources", "jobs_by_resources", "{:,}"),
        ("jobs within 1,000,000 bytes", "jobs_by_bytes", "{:,}"),
        ("**jobs per stack**", "jobs", "**{:,}**"),
        ("binding limit", "binding_limit", "{}"),
        ("jobs within 51,200 bytes (inline template body; `cdk deploy` uploads to S3)", "jobs_inline", "{:,}"),
    ):
        lines.append(f"| {label} | " + " | ".join(fmt.format(cap[key]) for cap in caps) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with ``--worker``/``--verify``, one measurement in this process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per variant and N (default 7)")
    parser.add_argument("--jobs", type=int, nargs="+", default=list(DEFAULT_JOBS), help="N values (default 1 10 100)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument("--worker", nargs=3, metavar=("VARIANT", "N", "OUTDIR"), help=argparse.SUPPRESS)
    parser.add_argument("--cli-context", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        variant, count, outdir = args.worker
        print(json.dumps(worker(variant, int(count), outdir, args.cli_context)))
        return 0
    if args.verify:
        print(json.dumps(verify_same_request(), default=str))
        return 0
    summary = run(args.jobs, args.repeats)
    print(markdown(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
