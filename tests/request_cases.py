"""Failing, passing and warning cases of the rules of issue 18 (request overrides, instance fallback, retries,
several definitions, Autotune, channels), keyed by rule id like those of ``tests/rules/``. Each
``tests/rules/test_<module>.py`` runs the cases of its module's rules; tests/test_sagemaker_core_shapes.py renders
every passing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
from aws_cdk import Size
from aws_cdk import aws_kms as kms

from sagemaker_hpo import (
    AutoParameter,
    Bayesian,
    ContinuousRange,
    FileSystemInput,
    InputMode,
    InstanceConfig,
    IntegerRange,
    Objective,
    RecordWrapping,
    S3DataType,
    S3Input,
    S3Location,
    TrainingImage,
    TuningDefinition,
)
from tests.construct_support import XGB_RANGES, custom_training, training
from tests.rules.builders import isolated_vpc

Overrides = Callable[[cdk.Stack], dict[str, Any]]

_PENDING = "TrainingJobDefinition.StoppingCondition.MaxPendingTimeInSeconds"
_GROUPS = "TrainingJobDefinition.ResourceConfig.InstanceGroups"
_DATASET = "TrainingJobDefinition.InputDataConfig[0].DataSource.DatasetSource"
_HUB_DATASET = "arn:aws:sagemaker:us-east-1:123456789012:hub-content/my-hub/DataSet/my-data/1.0.0"


def _override(path: str, value: Any) -> Overrides:
    return lambda s: {"request_overrides": {path: value}}


def _group(**changes: Any) -> list[dict[str, Any]]:
    group: dict[str, Any] = {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "InstanceGroupName": "main"}
    group.update(changes)
    return [group]


def _train(**changes: Any) -> Overrides:
    return lambda s: {"training": training(**changes)}


def _fallback(*configs: InstanceConfig, **changes: Any) -> Overrides:
    return _train(instance_type=None, instance_configs=list(configs), **changes)


G5 = InstanceConfig("ml.g5.xlarge")
G4 = InstanceConfig("ml.g4dn.xlarge", count=1, volume_size=Size.gibibytes(50))
_ALGORITHM = "arn:aws:sagemaker:us-east-1:123456789012:algorithm/my-xgboost-variant"
_PLAN = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/my-reserved-g5"


_EFS = FileSystemInput.efs("fs-0123456789abcdef0", "/data/train", content_type="text/csv")
_FSX = FileSystemInput.fsx_lustre("fs-0123abcd", "/fsx/validation", content_type="text/csv")


def _file_systems(stack: cdk.Stack, *, vpc: bool = True, **inputs: Any) -> dict[str, Any]:
    channels = inputs or {"train": _EFS, "validation": _FSX}
    return {"training": training(inputs=channels, vpc=isolated_vpc(stack) if vpc else None)}


def _s3(**changes: Any) -> Overrides:
    channel = S3Input(S3Location.from_uri("s3://my-data/train/"), content_type="text/csv", **changes)
    return lambda s: {"training": training(inputs={"train": channel, "validation": channel})}


def _definition(name: str = "xgb", **changes: Any) -> TuningDefinition:
    props: dict[str, Any] = {
        "training": training(),
        "objective": Objective.maximize("validation:auc"),
        "parameter_ranges": XGB_RANGES,
    }
    props.update(changes)
    return TuningDefinition(name, **props)


def _several(*definitions: TuningDefinition, **changes: Any) -> Overrides:
    def props(stack: cdk.Stack) -> dict[str, Any]:
        custom = _definition(
            "custom",
            training=custom_training(stack),
            objective=Objective.maximize("validation:accuracy"),
            parameter_ranges=[ContinuousRange("lr", 0.001, 0.1)],
        )
        found = list(definitions) or [_definition(), custom]
        base: dict[str, Any] = {"training": None, "objective": None, "parameter_ranges": (), "definitions": found}
        return {**base, "strategy": Bayesian(), **changes}

    return props


def _linear_learner(static: dict[str, Any]) -> dict[str, Any]:
    """A built-in linear learner job with these static hyperparameters (HPO-ALGO-002 checks their names)."""
    return {
        "objective": Objective.minimize("validation:objective_loss"),
        "parameter_ranges": [IntegerRange("mini_batch_size", 100, 5000)],
        "training": training(
            image=TrainingImage.builtin_algorithm("linear-learner", "1"), static_hyperparameters=static
        ),
    }


def _autotune(**changes: Any) -> Overrides:
    return lambda s: {"autotune": True, "parameter_ranges": (), "strategy": Bayesian(), **changes}


FAILING: list[tuple[str, Overrides, str]] = [
    ("HPO-DEF-001", lambda s: {"training": None}, r"training: None; is required \(or definitions="),
    ("HPO-DEF-001:objective", lambda s: {"objective": None}, r"objective: None; is required"),
    ("HPO-DEF-001:both", _several(training=training()), r"training: .*is set per TuningDefinition"),
    ("HPO-DEF-001:ranges", _several(parameter_ranges=XGB_RANGES), r"parameter_ranges: '4 entries'; are set per"),
    ("HPO-DEF-002", _several(_definition()), r"definitions: '1 entries'; must have 2 to 10"),
    ("HPO-DEF-002:eleven", _several(*[_definition(f"d{i}") for i in range(11)]), r"'11 entries'; must have 2 to 10"),
    ("HPO-DEF-003", _several(_definition("xgb"), _definition("xgb")), r"definitions\[1\].name: 'xgb'; is the name of"),
    ("HPO-DEF-003:pattern", _several(_definition("xgb_1"), _definition("b")), r"definitions\[0\].name: 'xgb_1'"),
    ("HPO-DEF-004", lambda s: {"auto_parameters": [AutoParameter("gamma", "1")]}, r"auto_parameters: .*need autotune"),
    (
        "HPO-DEF-004:taken",
        _autotune(auto_parameters=[AutoParameter("num_round", "100")]),
        r"auto_parameters\[0\]: 'num_round'; is also a tuned range or a static hyperparameter",
    ),
    (
        "HPO-DEF-004:twice",
        _autotune(auto_parameters=[AutoParameter("gamma", "1"), AutoParameter("gamma", "2")]),
        r"auto_parameters\[1\]: 'gamma'; appears twice",
    ),
    (
        "HPO-METRIC-002:definition",
        lambda s: _several(
            _definition(),
            _definition("b", training=custom_training(s), objective=Objective.maximize("validation:nope")),
        )(s),
        r"^Rules/Tuning: definitions\[1\]: invalid objective.metric_name: 'validation:nope'",
    ),
    ("HPO-CHAN-001", lambda s: _file_systems(s, vpc=False), r"training.inputs\['train'\]: .*needs training.vpc"),
    (
        "HPO-CHAN-002",
        lambda s: _file_systems(s, train=FileSystemInput.efs("efs-1", "/d", content_type="text/csv")),
        r"training.inputs\['train'\].file_system_id: 'efs-1'",
    ),
    (
        "HPO-CHAN-002:path",
        lambda s: _file_systems(s, train=FileSystemInput.efs("fs-01234567", "data", content_type="text/csv")),
        r"training.inputs\['train'\].directory_path: 'data'; must be an absolute path",
    ),
    ("HPO-CHAN-003", _s3(data_type=S3DataType.AUGMENTED_MANIFEST_FILE), r"attribute_names: None; is required"),
    ("HPO-CHAN-003:prefix", _s3(attribute_names=["source-ref"]), r"attribute_names: .*only go with AUGMENTED"),
    (
        "HPO-CHAN-003:many",
        _s3(data_type=S3DataType.AUGMENTED_MANIFEST_FILE, attribute_names=[f"a{i}" for i in range(17)]),
        r"attribute_names: '17 entries'; must have 1 to 16",
    ),
    ("HPO-CHAN-004", _s3(record_wrapping=RecordWrapping.RECORD_IO), r"record_wrapping: 'RecordIO'; needs Pipe.*File"),
    ("HPO-CHAN-005", _s3(shuffle_seed=-1), r"shuffle_seed: -1; must be >= 0"),
    ("HPO-CHAN-006", _s3(hub_content_arn="x" * 256), r"hub_content_arn: .*must be 1 to 255 characters long"),
    ("HPO-INST-001", _train(instance_configs=[G5]), r"training.instance_configs: .*give one of them"),
    ("HPO-INST-001:none", _train(instance_type=None), r"training.instance_type: None; is required"),
    ("HPO-INST-001:count", _fallback(G5, instance_count=2), r"training.instance_count: 2; is set per InstanceConfig"),
    ("HPO-INST-001:volume", _fallback(G5, volume_size=Size.gibibytes(50)), r"training.volume_size: '50 GiB'"),
    ("HPO-INST-001:plan", _fallback(G5, training_plan_arn=_PLAN), r"training.training_plan_arn.*needs instance_type"),
    (
        "HPO-INST-002",
        _fallback(
            *[
                InstanceConfig(f"ml.m5.{s}")
                for s in ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
            ]
        ),
        r"training.instance_configs: '7 entries'; must have 1 to 6",
    ),
    ("HPO-INST-002:empty", _fallback(), r"training.instance_configs: '0 entries'"),
    (
        "HPO-INST-002:twice",
        _fallback(G5, G4, G5),
        r"instance_configs\[2\].instance_type: 'ml.g5.xlarge'; appears twice",
    ),
    ("HPO-INST-003", _fallback(InstanceConfig("ml.g5.huge")), r"instance_configs\[0\].instance_type: 'ml.g5.huge'"),
    ("HPO-INST-003:count", _fallback(InstanceConfig("ml.g5.xlarge", count=0)), r"instance_configs\[0\].count: 0"),
    (
        "HPO-INST-003:volume",
        _fallback(InstanceConfig("ml.g5.xlarge", volume_size=Size.mebibytes(1500))),
        r"instance_configs\[0\].volume_size: '1.46484 GiB'; must be a whole number",
    ),
    (
        "HPO-TRAIN-015:fallback",
        lambda s: _fallback(InstanceConfig("ml.m5.xlarge"), G5, volume_kms_key=kms.Key(s, "VolumeKey"))(s),
        r"training.volume_kms_key: 'Rules/VolumeKey'; ml.g5.xlarge has local NVMe storage",
    ),
    (
        "HPO-TRAIN-015:single",
        lambda s: _fallback(G4, volume_kms_key=kms.Key(s, "VolumeKey"))(s),
        r"training.volume_kms_key: 'Rules/VolumeKey'; ml.g4dn.xlarge has local NVMe storage",
    ),
    ("HPO-INST-004", _train(retry_attempts=31), r"training.retry_attempts: 31; must be >= 1 and <= 30"),
    ("HPO-INST-004:zero", _train(retry_attempts=0), r"training.retry_attempts: 0"),
    (
        "HPO-INST-005",
        _train(checkpoint_local_path="/opt/ml/ckpt"),
        r"checkpoint_local_path.*only used with checkpoint_p",
    ),
    (
        "HPO-INST-005:relative",
        _train(checkpoint_path="s3://my-data/ckpt/", checkpoint_local_path="ckpt"),
        r"checkpoint_local_path: 'ckpt'; must be an absolute path",
    ),
    (
        "HPO-INST-007",
        _train(image=TrainingImage.from_algorithm("my_algo", metric_names=["validation:auc"])),
        r"training.image: 'my_algo'; must be an algorithm name",
    ),
    (
        "HPO-INST-007:metrics",
        _train(image=TrainingImage.from_algorithm("my-algo", metric_names=[])),
        r"from_algorithm needs metric_names",
    ),
    ("HPO-INST-006", _train(training_plan_arn="my-plan"), r"training.training_plan_arn: 'my-plan'; must be a training"),
    (
        "HPO-ALGO-001",
        _train(static_hyperparameters={"objective": "binary:logistic", "num_rounds": 100}),
        r"invalid training.static_hyperparameters: 'num_rounds'; is not a hyperparameter built-in xgboost accepts; "
        r"did you mean 'num_round'\?",
    ),
    (
        "HPO-ALGO-001:range",
        lambda s: {"parameter_ranges": [*XGB_RANGES, ContinuousRange("max_dept", 1, 10)]},
        r"invalid parameter_ranges\[4\].name: 'max_dept'; .*did you mean 'max_depth'\?",
    ),
    (
        "HPO-ALGO-001:auto",
        _autotune(auto_parameters=[AutoParameter("gama", "1")]),
        r"invalid auto_parameters\[0\].name: 'gama'; .*did you mean 'gamma'\?",
    ),
    (
        "HPO-ALGO-001:definition",
        _several(_definition(), _definition("b", training=training(static_hyperparameters={"etaa": 0.1}))),
        r"^Rules/Tuning: definitions\[1\]: invalid training.static_hyperparameters: 'etaa'; .*did you mean 'eta'\?",
    ),
    ("HPO-OVR-001", _override("TrainingJobDefinition.StoppingCondition.MaxPending", 7200), r"not a member of Stop"),
    ("HPO-OVR-001:malformed", _override("TrainingJobDefinition..Environment", {}), r"member names joined by dots"),
    (
        "HPO-OVR-001:index",
        _override("TrainingJobDefinition.InputDataConfig[2].DataSource.S3DataSource.InstanceGroupNames", ["a"]),
        r"no item \[2\] there \(2 items\)",
    ),
    (
        "HPO-OVR-001:list-without-index",
        _override("TrainingJobDefinition.InputDataConfig.ShuffleConfig", {"Seed": 1}),
        r"needs an index",
    ),
    ("HPO-OVR-002", _override("TrainingJobDefinition.RoleArn", "arn:aws:iam::1:role/x"), r"library owns"),
    ("HPO-OVR-002:name", _override("HyperParameterTuningJobName", "x"), r"library owns HyperParameterTuningJobName"),
    ("HPO-OVR-002:tags", _override("Tags", [{"Key": "a", "Value": "b"}]), r"library owns Tags"),
    (
        "HPO-OVR-002:typed",
        _override("TrainingJobDefinition.ResourceConfig.InstanceCount", 2),
        r"is a typed prop: use `TrainingDefinition\(instance_count=...\)`",
    ),
    ("HPO-OVR-002:holder", _override("TrainingJobDefinition.StoppingCondition", {}), r"holds fields typed props"),
    (
        "HPO-OVR-002:read-only",
        _override("TrainingJobDefinition.ResourceConfig.SelectedInstanceType", "ml.m5.xlarge"),
        r"SelectedInstanceType is read-only: DescribeTrainingJob returns it, requests may not set it",
    ),
    ("HPO-OVR-003", _override(_PENDING, "2h"), r"MaxPendingTimeInSeconds'\): '2h'; must be an integer"),
    ("HPO-OVR-003:bool", _override(_PENDING, True), r"must be an integer"),
    (
        "HPO-OVR-003:member",
        _override(_GROUPS, _group(Name="x")),
        r"InstanceGroups\[0\].Name.*is not a member of InstanceGroup",
    ),
    ("HPO-OVR-003:required", _override(_GROUPS, [{"InstanceType": "ml.m5.xlarge"}]), r"InstanceCount.*is required"),
    ("HPO-OVR-004", _override(_PENDING, 60), r"must be at least 1800 and at most 2419200 \(is 60\)"),
    (
        "HPO-OVR-004:list",
        _override(_GROUPS, _group() * 6),
        r"must be at least 0 and at most 5 entries \(is 6 entries\)",
    ),
    ("HPO-OVR-005", _override(_GROUPS, _group(InstanceType="ml.nope.large")), r"InstanceType.*must be one of"),
    ("HPO-OVR-006", _override(_DATASET, {"DatasetArn": "my-dataset"}), r"DatasetArn'\): .*must match"),
]

PASSING: list[tuple[str, Overrides]] = [
    ("HPO-DEF-001", _several()),
    ("HPO-DEF-002", _several(*[_definition(f"d{i}") for i in range(10)])),
    ("HPO-DEF-003", _several(_definition("xgb-1"), _definition("xgb-2"))),
    ("HPO-DEF-004", _autotune(auto_parameters=[AutoParameter("gamma", "1"), AutoParameter("eta", "0.1")])),
    ("HPO-RANGE-001:autotune", _autotune()),
    ("HPO-CHAN-001", lambda s: _file_systems(s)),
    ("HPO-CHAN-002", lambda s: _file_systems(s)),
    ("HPO-CHAN-003", _s3(data_type=S3DataType.AUGMENTED_MANIFEST_FILE, attribute_names=["source-ref", "label"])),
    ("HPO-CHAN-004", _s3(record_wrapping=RecordWrapping.RECORD_IO, input_mode=InputMode.PIPE)),
    ("HPO-CHAN-005", _s3(shuffle_seed=2**63 - 1)),
    (
        "HPO-CHAN-006",
        _s3(hub_content_arn="arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/x/1.0.0"),
    ),
    ("HPO-INST-001", _fallback(G5, G4)),
    ("HPO-INST-001:single", _fallback(G4)),
    (
        "HPO-TRAIN-015:fallback",
        lambda s: _fallback(
            InstanceConfig("ml.m5.xlarge"), InstanceConfig("ml.c5.2xlarge"), volume_kms_key=kms.Key(s, "VolumeKey")
        )(s),
    ),
    ("HPO-ALGO-001", _train(static_hyperparameters={"objective": "binary:logistic", "num_round": 10, "gamma": 0.2})),
    (
        "HPO-INST-002",
        _fallback(
            *[InstanceConfig(f"ml.m5.{s}") for s in ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")]
        ),
    ),
    ("HPO-INST-003", _fallback(G5, InstanceConfig("ml.g4dn.xlarge", count=2, volume_size=Size.tebibytes(16)))),
    ("HPO-INST-004", _train(retry_attempts=30)),
    ("HPO-INST-005", _train(checkpoint_path="s3://my-data/ckpt/", checkpoint_local_path="/opt/ml/ckpt")),
    ("HPO-INST-006", _train(training_plan_arn=_PLAN)),
    ("HPO-INST-007", _train(image=TrainingImage.from_algorithm(_ALGORITHM, metric_names=["validation:auc"]))),
    ("HPO-OVR-001", _override(_PENDING, 7200)),
    (
        "HPO-OVR-002",
        _override("TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.InstanceGroupNames", ["main"]),
    ),
    ("HPO-OVR-003", _override(_GROUPS, _group())),
    ("HPO-OVR-004", _override(_PENDING, 1800)),
    ("HPO-OVR-005", _override(_GROUPS, _group(InstanceType="ml.g5.xlarge"))),
    ("HPO-OVR-006", _override(_DATASET, {"DatasetArn": _HUB_DATASET})),
    ("HPO-ALGO-002", lambda s: _linear_learner({"predictor_type": "regressor"})),
]

WARNS: list[tuple[str, Overrides, str]] = [
    (
        "HPO-ALGO-002",
        lambda s: _linear_learner({"predictor_typ": "regressor"}),
        r"'predictor_typ' is not a hyperparameter built-in linear-learner accepts; did you mean 'predictor_type'\?",
    ),
]
