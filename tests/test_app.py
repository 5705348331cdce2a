"""The default app (issue: the account bootstrap and the three published experiments).

Snapshots of the four templates (volatile values masked), each experiment's request, and the strategy switch.
Set ``UPDATE_SNAPSHOTS=1`` to rewrite the snapshots after an intended change, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo._contract import contract
from stacks.app_builder import build_app
from tests.platform_apps import default_app
from tests.template_checks import (
    cfn_lint_errors,
    nag_findings,
    new_app,
    resources_of_type,
    synth_templates,
    template_paths,
)

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
STACKS = ("HpoPlatform", "XgboostHyperband", "MlpHyperband", "Resnet20Hyperband")
#: Asset hashes (64 hex digits) change with every edit of the handler or the image folder.
_HASH = re.compile(r"[0-9a-f]{64}")


def _masked(template: dict[str, Any]) -> Any:
    return json.loads(_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))


def _request(template: dict[str, Any]) -> dict[str, Any]:
    (job,) = resources_of_type(template, contract.RESOURCE_TYPE).values()
    return job["Properties"][contract.PROP_REQUEST]


def _ranges(request: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    return {
        r["Name"]: (kind, r.get("MinValue"), r.get("MaxValue"), r.get("ScalingType"))
        for kind, items in ranges.items()
        for r in items
    }


@pytest.mark.parametrize("stack", STACKS)
def test_template_matches_its_snapshot(stack: str) -> None:
    template = _masked(default_app().templates[stack])
    path = SNAPSHOTS / f"{stack}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(template, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot for {stack}: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
    assert template == json.loads(path.read_text()), f"{stack} changed: review, then UPDATE_SNAPSHOTS=1"


def test_snapshots_mask_asset_hashes() -> None:
    text = json.dumps(default_app().templates["HpoPlatform"])
    assert _HASH.search(text), "the platform template references assets by hash"
    assert not _HASH.search(json.dumps(_masked(default_app().templates["HpoPlatform"])))


def test_xgboost_stack_is_the_published_sample() -> None:
    request = _request(default_app().templates["XgboostHyperband"])
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 5}
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
    assert _ranges(request) == {
        "eta": ("ContinuousParameterRanges", "0", "1", "Auto"),
        "min_child_weight": ("ContinuousParameterRanges", "1", "10", "Auto"),
        "alpha": ("ContinuousParameterRanges", "0", "2", "Auto"),
        "max_depth": ("IntegerParameterRanges", "1", "10", "Auto"),
    }
    channels = request["TrainingJobDefinition"]["InputDataConfig"]
    assert [c["ChannelName"] for c in channels] == ["train", "validation"]
    template = default_app().templates["XgboostHyperband"]
    assert _ssm_names(template, channels[0]) == {"/sagemaker-hpo/default/data-bucket-name"}
    assert _ssm_names(template, request["TrainingJobDefinition"]["OutputDataConfig"]) >= {
        "/sagemaker-hpo/default/artifacts-bucket-name"
    }
    assert _ssm_names(template, request["TrainingJobDefinition"]["RoleArn"]) == {
        "/sagemaker-hpo/default/teams/vision/training-role-arn"
    }


def _ssm_names(template: dict[str, Any], value: Any) -> set[str]:
    """The SSM parameter names (platform outputs) that ``value`` refers to through template parameters."""
    refs = set(re.findall(r'"Ref": "([A-Za-z0-9]+)"', json.dumps(value)))
    parameters = template.get("Parameters", {})
    return {parameters[r]["Default"] for r in refs if r in parameters and "Default" in parameters[r]}


def test_mlp_stack_is_experiment_one() -> None:
    request = _request(default_app().templates["MlpHyperband"])
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 1}}  # max from `epochs`
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:accuracy"}
    assert config["TuningJobCompletionCriteria"] == {"TargetObjectiveMetricValue": 0.96}
    assert _ranges(request) == {
        "units_per_layer": ("IntegerParameterRanges", "10", "1000", "Logarithmic"),
        "learning_rate": ("ContinuousParameterRanges", "0.0001", "0.1", "Logarithmic"),
        "l2_regularization": ("ContinuousParameterRanges", "1e-06", "2", "Logarithmic"),
        "batch_size": ("IntegerParameterRanges", "10", "200", "Linear"),
    }
    definition = request["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"]["workload"] == "mlp"
    assert "epochs" in definition["StaticHyperParameters"]
    names = {m["Name"] for m in definition["AlgorithmSpecification"]["MetricDefinitions"]}
    assert "validation:accuracy" in names


def test_resnet20_stack_is_experiment_two_on_spot_gpus() -> None:
    request = _request(default_app().templates["Resnet20Hyperband"])
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["TuningJobCompletionCriteria"] == {"TargetObjectiveMetricValue": 0.87}
    assert _ranges(request) == {
        "batch_size": ("IntegerParameterRanges", "4", "512", "Logarithmic"),
        "learning_rate": ("ContinuousParameterRanges", "1e-06", "0.1", "Logarithmic"),
        "momentum": ("ContinuousParameterRanges", "0.01", "0.99", "ReverseLogarithmic"),
        "weight_decay": ("ContinuousParameterRanges", "1e-05", "1", "Logarithmic"),
    }
    definition = request["TrainingJobDefinition"]
    assert definition["ResourceConfig"]["InstanceType"] == "ml.g4dn.xlarge"
    assert definition["EnableManagedSpotTraining"] is True
    stopping = definition["StoppingCondition"]
    assert stopping["MaxWaitTimeInSeconds"] >= stopping["MaxRuntimeInSeconds"]
    assert definition["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    assert "checkpoints/teams/vision/resnet20/" in json.dumps(definition["CheckpointConfig"]["S3Uri"])
    assert definition["StaticHyperParameters"]["workload"] == "resnet20"
    assert [c["ChannelName"] for c in definition["InputDataConfig"]] == ["train", "validation"]


@cache
def _switched(strategy: str) -> dict[str, dict[str, Any]]:
    return synth_templates(build_app(new_app(strategy=strategy)))


EXPERIMENTS = ("XgboostHyperband", "MlpHyperband", "Resnet20Hyperband")


@pytest.mark.parametrize(
    ("value", "api_strategy", "suffix"),
    [("hyperband", "Hyperband", ""), ("bayesian", "Bayesian", "-Bayesian"), ("random", "Random", "-Random")],
)
def test_strategy_switch_changes_only_the_strategy(value: str, api_strategy: str, suffix: str) -> None:
    templates = _switched(value)
    baseline = default_app().templates
    for experiment in EXPERIMENTS:
        request = _request(templates[experiment + suffix])
        config = request["HyperParameterTuningJobConfig"]
        assert config["Strategy"] == api_strategy
        assert ("StrategyConfig" in config) == (api_strategy == "Hyperband")
        assert config["TrainingJobEarlyStoppingType"] == "Off"
        reference = _request(baseline[experiment])
        # everything else equal: ranges, objective, limits, completion criteria and the training definition
        for key in ("ParameterRanges", "HyperParameterTuningJobObjective", "ResourceLimits"):
            assert config[key] == reference["HyperParameterTuningJobConfig"][key]
        assert config.get("TuningJobCompletionCriteria") == reference["HyperParameterTuningJobConfig"].get(
            "TuningJobCompletionCriteria"
        )
        assert request["TrainingJobDefinition"] == reference["TrainingJobDefinition"]
    assert "HpoPlatform" in templates


@pytest.mark.parametrize("value", ["grid", "hyper-band", "Bayes", "3"])
def test_unknown_strategy_is_a_clear_error(value: str) -> None:
    with pytest.raises(
        ValueError, match=rf"context strategy='{value}' is not a strategy; use one of: hyperband, bayesian, random"
    ):
        build_app(new_app(strategy=value))


def test_strategy_value_is_case_insensitive() -> None:
    templates = _switched("bayesian")
    assert set(_switched("BAYESIAN".lower())) == set(templates)


def test_default_app_passes_cfn_lint_and_cdk_nag() -> None:
    synthesized = default_app()
    assert synthesized.findings == []
    assert cfn_lint_errors(template_paths(synthesized.app)) == []


def test_bayesian_app_passes_cfn_lint_and_cdk_nag() -> None:
    app = build_app(new_app(strategy="bayesian"))
    assert nag_findings(app) == []
    assert cfn_lint_errors(template_paths(app)) == []


@pytest.mark.parametrize("stack", STACKS[1:])
def test_each_experiment_stack_outputs_its_jobs_name_and_console_link(stack: str) -> None:
    template = default_app().templates[stack]
    (job_id,) = resources_of_type(template, contract.RESOURCE_TYPE)
    name = {"Fn::GetAtt": [job_id, contract.ATTR_TUNING_JOB_NAME]}
    outputs = template["Outputs"]
    assert outputs["TuningJobName"]["Value"] == name
    link = outputs["TuningJobConsoleUrl"]["Value"]["Fn::Join"][1]
    assert link == [
        "https://",
        {"Ref": "AWS::Region"},
        ".console.aws.amazon.com/sagemaker/home?region=",
        {"Ref": "AWS::Region"},
        "#/hyper-tuning-jobs/",
        name,
    ]
