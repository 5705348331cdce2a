"""The synthesized template of ``TuningJob``: the request, the shared provider, IAM scoping, the default role."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from botocore.session import get_session
from botocore.validate import ParamValidator

from sagemaker_hpo import (
    Bayesian,
    CategoricalRange,
    CompletionCriteria,
    ContinuousRange,
    GpuTrainingImage,
    GridSearch,
    Hyperband,
    IntegerRange,
    Objective,
    RandomSearch,
    S3Input,
    S3Location,
    ScalingType,
    TrainingImage,
    TrainingRole,
    ValidationError,
    WarmStart,
    WarmStartType,
)
from sagemaker_hpo._contract import contract
from tests.construct_support import (
    as_list,
    custom_training,
    job,
    new_stack,
    resources_of_type,
    role_statements,
    statements,
    training,
)
from tests.rules.builders import custom_image_job, gpu_job
from tests.rules.cases import warnings


def _custom_resources(template: dict[str, Any]) -> dict[str, Any]:
    return resources_of_type(template, contract.RESOURCE_TYPE)


def _only_request(template: dict[str, Any]) -> dict[str, Any]:
    (resource,) = _custom_resources(template).values()
    return resource["Properties"][contract.PROP_REQUEST]


@pytest.fixture(scope="module")
def example() -> tuple[cdk.Stack, dict[str, Any]]:
    stack = new_stack("Example")
    job(stack, "XgbTuning")
    return stack, Template.from_stack(stack).to_json()


def test_request_matches_the_published_hyperband_configuration(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    request = _only_request(example[1])
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}}
    assert config["TrainingJobEarlyStoppingType"] == "Off"
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
    assert config["ResourceLimits"] == {"MaxParallelTrainingJobs": 5, "MaxNumberOfTrainingJobs": 20}
    assert config["ParameterRanges"] == {
        "ContinuousParameterRanges": [
            {"Name": "eta", "MinValue": "0", "MaxValue": "1", "ScalingType": "Auto"},
            {"Name": "min_child_weight", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"},
            {"Name": "alpha", "MinValue": "0", "MaxValue": "2", "ScalingType": "Auto"},
        ],
        "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}],
    }
    # rules 2, 9 and 11 hold by construction: one definition, an image (no AlgorithmName), one ResourceConfig
    assert "TrainingJobDefinitions" not in request
    definition = request["TrainingJobDefinition"]
    assert "AlgorithmName" not in definition["AlgorithmSpecification"]
    assert "HyperParameterTuningResourceConfig" not in definition
    assert definition["StaticHyperParameters"] == {"objective": "binary:logistic", "num_round": "100"}
    assert definition["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert [c["ChannelName"] for c in definition["InputDataConfig"]] == ["train", "validation"]
    assert definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://my-data/train/"
    assert definition["OutputDataConfig"] == {"S3OutputPath": "s3://my-data/output/"}
    # built-in algorithm: no metric definitions; the image comes from the per-region registry mapping
    assert "MetricDefinitions" not in definition["AlgorithmSpecification"]
    image = json.dumps(definition["AlgorithmSpecification"]["TrainingImage"])
    assert "Fn::FindInMap" in image and "sagemaker-xgboost:1.7-1" in image


def test_custom_resource_type_and_control_properties(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    (resource,) = _custom_resources(example[1]).values()
    props = resource["Properties"]
    assert resource["Type"] == "Custom::SageMakerHyperParameterTuningJob"
    assert props[contract.PROP_WAIT_FOR_COMPLETION] == "false"
    assert contract.PROP_TUNING_JOB_NAME not in props
    prefix = props[contract.PROP_NAME_PREFIX]
    assert prefix.startswith("example") and len(prefix) <= contract.NAME_PREFIX_MAX_LENGTH
    assert prefix == prefix.lower()


def test_request_passes_botocores_sagemaker_model(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    """The rendered request, with deploy-time values filled in, is valid for CreateHyperParameterTuningJob."""

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
                return "arn:aws:iam::123456789012:role/filled" if "Arn" in json.dumps(value) else "filled"
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    request = {"HyperParameterTuningJobName": "example-0123456789abcdef", **fill(_only_request(example[1]))}
    model = get_session().get_service_model("sagemaker").operation_model("CreateHyperParameterTuningJob")
    report = ParamValidator().validate(request, model.input_shape)
    assert not report.has_errors(), report.generate_report()


def test_job_attributes_are_deploy_time_tokens(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    stack = example[0]
    tuning_job = stack.node.find_child("XgbTuning")
    assert stack.resolve(tuning_job.tuning_job_name) == {
        "Fn::GetAtt": [stack.get_logical_id(tuning_job.resource), "TuningJobName"]
    }
    assert stack.resolve(tuning_job.tuning_job_arn)["Fn::GetAtt"][1] == "TuningJobArn"
    with pytest.raises(ValueError, match="wait_for_completion"):
        _ = tuning_job.best_training_job_name


def test_two_jobs_share_one_provider() -> None:
    stack = new_stack("Shared")
    job(stack, "First")
    job(stack, "Second", max_jobs=10)
    one = new_stack("Single")
    job(one, "Only")
    template, single = Template.from_stack(stack).to_json(), Template.from_stack(one).to_json()
    functions = resources_of_type(template, "AWS::Lambda::Function")
    assert len(_custom_resources(template)) == 2
    assert len(functions) == len(resources_of_type(single, "AWS::Lambda::Function"))
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values() if "index." in f["Properties"]["Handler"])
    assert [h for h in handlers if h in (contract.ON_EVENT_HANDLER, contract.IS_COMPLETE_HANDLER)] == [
        contract.IS_COMPLETE_HANDLER,
        contract.ON_EVENT_HANDLER,
    ]
    tokens = {json.dumps(r["Properties"]["ServiceToken"]) for r in _custom_resources(template).values()}
    assert len(tokens) == 1


def test_handler_runtime_logs_and_retention(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    template = example[1]
    ours = [
        f
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] in (contract.ON_EVENT_HANDLER, contract.IS_COMPLETE_HANDLER)
    ]
    assert len(ours) == 2
    for function in ours:
        assert function["Properties"]["Runtime"] == "python3.14"
        assert function["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    (log_group,) = resources_of_type(template, "AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["RetentionInDays"] > 0


def _handler_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (role_id,) = [k for k in resources_of_type(template, "AWS::IAM::Role") if "HandlerRole" in k]
    return role_statements(template, role_id)


def test_handler_may_only_manage_this_stacks_jobs(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    template = example[1]
    prefix = next(iter(_custom_resources(template).values()))["Properties"][contract.PROP_NAME_PREFIX]
    sagemaker = [
        s for s in _handler_statements(template) if any(a.startswith("sagemaker:") for a in as_list(s["Action"]))
    ]
    assert sagemaker, "the handler needs SageMaker permissions"
    actions = {a for s in sagemaker for a in as_list(s["Action"])}
    assert actions == {
        "sagemaker:AddTags",
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:ListTags",
        "sagemaker:StopHyperParameterTuningJob",
    }
    for statement in sagemaker:
        for resource in as_list(statement["Resource"]):
            text = json.dumps(resource)
            assert f"hyper-parameter-tuning-job/{prefix}-*" in text, text


def test_handler_may_create_tag_and_stop_only_with_its_owner_tag(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    """Issue 10, finding 1: the IAM policy enforces ownership (condition keys from the service authorization
    reference: CreateHyperParameterTuningJob takes aws:RequestTag, AddTags sagemaker:TaggingAction, aws:RequestTag
    and aws:ResourceTag, StopHyperParameterTuningJob aws:ResourceTag)."""
    template = example[1]
    prefix = next(iter(_custom_resources(template).values()))["Properties"][contract.PROP_NAME_PREFIX]
    owner = contract.OWNER_TAG_PROVIDER
    by_action: dict[str, list[dict[str, Any]]] = {}
    for statement in _handler_statements(template):
        for action in as_list(statement["Action"]):
            by_action.setdefault(action, []).append(statement)
    (create,) = by_action["sagemaker:CreateHyperParameterTuningJob"]
    assert create["Condition"]["StringEquals"] == {f"aws:RequestTag/{owner}": prefix}
    assert create["Condition"]["Null"] == {f"aws:RequestTag/{key}": "false" for key in contract.OWNER_TAG_KEYS}
    (stop,) = by_action["sagemaker:StopHyperParameterTuningJob"]
    assert stop["Condition"] == {"StringEquals": {f"aws:ResourceTag/{owner}": prefix}}
    (tag,) = by_action["sagemaker:AddTags"]
    assert tag["Condition"]["StringEquals"] == {
        "sagemaker:TaggingAction": "CreateHyperParameterTuningJob",
        f"aws:RequestTag/{owner}": prefix,
    }
    assert tag["Condition"]["StringEqualsIfExists"] == {f"aws:ResourceTag/{owner}": prefix}
    for action in ("sagemaker:DescribeHyperParameterTuningJob", "sagemaker:ListTags"):
        assert all("Condition" not in statement for statement in by_action[action])  # to see who owns a job
    functions = [
        f for f in resources_of_type(template, "AWS::Lambda::Function").values() if "Environment" in f["Properties"]
    ]
    owner_env = [f["Properties"]["Environment"]["Variables"].get(contract.ENV_OWNER_PROVIDER) for f in functions]
    assert owner_env.count(prefix) == 2  # on_event and is_complete know the provider's owner-tag value


def test_handler_log_group_is_encrypted_and_the_role_description_is_true(
    example: tuple[cdk.Stack, dict[str, Any]],
) -> None:
    """Issue 10, finding 7: a KMS key (created by the provider, CloudWatch Logs allowed in its key policy)."""
    template = example[1]
    (log_group,) = resources_of_type(template, "AWS::Logs::LogGroup").values()
    key_ref = log_group["Properties"]["KmsKeyId"]
    (key_id,) = key_ref["Fn::GetAtt"][:1]
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    logs_statements = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if "logs." in json.dumps(s.get("Principal", {}))
    ]
    (logs_statement,) = logs_statements
    assert "kms:GenerateDataKey*" in as_list(logs_statement["Action"])
    assert "kms:EncryptionContext:aws:logs:arn" in json.dumps(logs_statement["Condition"])
    (role_id,) = [k for k in resources_of_type(template, "AWS::IAM::Role") if "HandlerRole" in k]
    description = template["Resources"][role_id]["Properties"]["Description"]
    assert "this stack's tuning jobs only" not in description
    assert (
        f"tagged {contract.OWNER_TAG_PROVIDER}=" in description and "stops only jobs carrying that tag" in description
    )


def test_platform_provider_log_group_uses_the_platform_key() -> None:
    from sagemaker_hpo import HpoPlatform

    stack = new_stack("Platform")
    platform = HpoPlatform(stack, "Platform")
    template = Template.from_stack(stack).to_json()
    (log_group,) = [g for k, g in resources_of_type(template, "AWS::Logs::LogGroup").items() if "HandlerLogs" in k]
    key_id = stack.resolve(platform.key.key_arn)["Fn::GetAtt"][0]
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert not [k for k in resources_of_type(template, "AWS::KMS::Key") if "HandlerLogsKey" in k]


def test_reserved_owner_tag_keys_are_refused() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match="sagemaker-hpo: prefix is reserved"):
        job(stack, "Job", tags={"sagemaker-hpo:provider": "someone-else"})


def test_pass_role_is_scoped_to_the_training_role_and_sagemaker(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    template = example[1]
    passes = [s for s in statements(template) if "iam:PassRole" in as_list(s["Action"])]
    assert len(passes) == 1
    (statement,) = passes
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    training_roles = [k for k in resources_of_type(template, "AWS::IAM::Role") if "TrainingRole" in k]
    assert as_list(statement["Resource"]) == [{"Fn::GetAtt": [training_roles[0], "Arn"]}]


def test_default_training_role_grants_exactly_this_jobs_data(example: tuple[cdk.Stack, dict[str, Any]]) -> None:
    template = example[1]
    (role_id,) = [k for k in resources_of_type(template, "AWS::IAM::Role") if "TrainingRole" in k]
    role = template["Resources"][role_id]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert "aws:SourceAccount" in json.dumps(trust["Condition"])
    assert "ManagedPolicyArns" not in role["Properties"]
    granted = role_statements(template, role_id)
    by_action: dict[str, list[Any]] = {}
    for statement in granted:
        for action in as_list(statement["Action"]):
            by_action.setdefault(action, []).extend(json.dumps(r) for r in as_list(statement["Resource"]))
    assert sorted(by_action["s3:GetObject"]) == sorted(
        [
            json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-data/train/*"]]}),
            json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-data/validation/*"]]}),
            json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-data/output/*"]]}),
        ]
    )
    assert by_action["s3:PutObject"] == [
        json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-data/output/*"]]})
    ]
    list_statements = [s for s in granted if "s3:ListBucket" in as_list(s["Action"])]
    assert list_statements and all("s3:prefix" in json.dumps(s["Condition"]) for s in list_statements)
    metrics = [s for s in granted if "cloudwatch:PutMetricData" in as_list(s["Action"])]
    assert metrics[0]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}}
    assert "ecr:GetAuthorizationToken" not in by_action  # built-in algorithm: SageMaker pulls it itself
    assert not any(a.startswith("ec2:") for a in by_action)  # no VPC, no network-interface permissions
    assert all("*" != a and not a.endswith(":*") for a in by_action)


def test_custom_ecr_image_grants_pull_on_that_repository_only() -> None:
    stack = new_stack("Ecr")
    repository = ecr.Repository(stack, "Images")
    job(
        stack,
        objective=cdk_objective("validation:accuracy"),
        training=custom_training(stack, image=TrainingImage.from_ecr_repository(repository, "v3")),
    )
    template = Template.from_stack(stack).to_json()
    pulls = [s for s in statements(template) if "ecr:BatchGetImage" in as_list(s["Action"])]
    assert len(pulls) == 1
    assert as_list(pulls[0]["Resource"]) == [
        {"Fn::GetAtt": [stack.get_logical_id(repository.node.default_child), "Arn"]}
    ]
    auth = [s for s in statements(template) if "ecr:GetAuthorizationToken" in as_list(s["Action"])]
    assert len(auth) == 1 and auth[0]["Resource"] == "*"
    request = _only_request(template)
    assert request["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.eE+-]+)"}
    ]


def cdk_objective(metric: str) -> Any:
    from sagemaker_hpo import Objective

    return Objective.maximize(metric)


def test_bucket_inputs_grant_prefixes_and_kms_through_s3_only() -> None:
    stack = new_stack("Buckets")
    key = kms.Key(stack, "Key")
    data = s3.Bucket(stack, "Data", encryption_key=key)
    artifacts = s3.Bucket(stack, "Artifacts", encryption_key=key)
    job(
        stack,
        training=training(
            inputs={"train": S3Input.from_bucket(data, "xgb/train/", content_type="text/csv")},
            output_path=S3Location.from_bucket(artifacts, "xgb/output/"),
            checkpoint_path=S3Location.from_bucket(artifacts, "checkpoints/xgb/"),
        ),
    )
    template = Template.from_stack(stack).to_json()
    request = _only_request(template)
    channel = request["TrainingJobDefinition"]["InputDataConfig"][0]
    assert channel["ContentType"] == "text/csv"
    assert request["TrainingJobDefinition"]["CheckpointConfig"]["LocalPath"] == "/opt/ml/checkpoints"
    # the output bucket's customer key encrypts the model artifacts without repeating it as output_kms_key
    key_id = stack.get_logical_id(key.node.default_child)
    assert request["TrainingJobDefinition"]["OutputDataConfig"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    kms_statements = [s for s in statements(template) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    assert kms_statements
    for statement in kms_statements:
        assert "kms:ViaService" in json.dumps(statement["Condition"])


def test_training_role_passed_in_is_granted_and_shared() -> None:
    stack = new_stack("SharedRole")
    role = TrainingRole(stack, "Role")
    job(stack, "A", training=training(role=role))
    job(stack, "B", training=training(role=role))
    template = Template.from_stack(stack).to_json()
    assert len(resources_of_type(template, "AWS::IAM::Role")) == 2 + 3  # training, handler, 3 framework roles
    passes = [s for s in statements(template) if "iam:PassRole" in as_list(s["Action"])]
    assert as_list(passes[0]["Resource"]) == [{"Fn::GetAtt": [stack.get_logical_id(role.node.default_child), "Arn"]}]


def test_imported_role_is_used_as_is_without_grants() -> None:
    stack = new_stack("Imported")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/platform-training", mutable=False)
    job(stack, training=training(role=role))
    template = Template.from_stack(stack).to_json()
    request = _only_request(template)
    assert request["TrainingJobDefinition"]["RoleArn"] == "arn:aws:iam::123456789012:role/platform-training"
    assert not [k for k in resources_of_type(template, "AWS::IAM::Role") if "TrainingRole" in k]


def test_fixed_name_is_passed_and_allowed() -> None:
    stack = new_stack("Fixed")
    job(stack, tuning_job_name="My-Fixed-Job")
    template = Template.from_stack(stack).to_json()
    (resource,) = _custom_resources(template).values()
    assert resource["Properties"][contract.PROP_TUNING_JOB_NAME] == "My-Fixed-Job"
    text = json.dumps(
        [
            s["Resource"]
            for s in statements(template)
            if "sagemaker:CreateHyperParameterTuningJob" in as_list(s["Action"])
        ]
    )
    assert "hyper-parameter-tuning-job/My-Fixed-Job" in text and "hyper-parameter-tuning-job/my-fixed-job" in text


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (Bayesian(), {"Strategy": "Bayesian", "TrainingJobEarlyStoppingType": "Off"}),
        (Bayesian(early_stopping=True), {"Strategy": "Bayesian", "TrainingJobEarlyStoppingType": "Auto"}),
        (RandomSearch(), {"Strategy": "Random", "TrainingJobEarlyStoppingType": "Off"}),
    ],
    ids=["bayesian", "bayesian-early-stopping", "random"],
)
def test_other_strategies_render_without_strategy_config(strategy: Any, expected: dict[str, str]) -> None:
    stack = new_stack("Strategies")
    job(stack, strategy=strategy)
    config = _only_request(Template.from_stack(stack).to_json())["HyperParameterTuningJobConfig"]
    assert {k: config[k] for k in expected} == expected
    assert "StrategyConfig" not in config


def test_grid_search_without_max_jobs_and_categorical_values_as_strings() -> None:
    stack = new_stack("Grid")
    job(
        stack,
        strategy=GridSearch(),
        max_jobs=None,
        max_parallel_jobs=2,
        parameter_ranges=[CategoricalRange("max_depth", [3, 6, 9]), CategoricalRange("booster", ["gbtree", "dart"])],
    )
    config = _only_request(Template.from_stack(stack).to_json())["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Grid"
    assert "MaxNumberOfTrainingJobs" not in config["ResourceLimits"]
    assert config["ParameterRanges"]["CategoricalParameterRanges"][0] == {
        "Name": "max_depth",
        "Values": ["3", "6", "9"],
    }


def test_optional_job_settings_render() -> None:
    stack = new_stack("Optional")
    job(
        stack,
        strategy=Hyperband(min_resource=1, max_resource=None),
        parameter_ranges=[
            ContinuousRange("eta", 0.001, 0.5, ScalingType.LOGARITHMIC),
            IntegerRange("max_depth", 1, 10),
        ],
        max_runtime=cdk.Duration.hours(2),
        completion_criteria=CompletionCriteria(
            target_objective_value=0.97, max_jobs_not_improving=5, complete_on_convergence=True
        ),
        random_seed=42,
        tags={"team": "ml"},
        # A custom image: Hyperband infers its resource from `epochs`, which built-in XGBoost refuses (HPO-ALGO-001).
        objective=Objective.maximize("validation:accuracy"),
        training=custom_training(
            stack,
            static_hyperparameters={"num_round": 100, "epochs": 50, "verbosity": True, "subsample": 0.8},
            use_spot_instances=True,
            max_runtime=cdk.Duration.hours(1),
            checkpoint_path="s3://my-data/checkpoints/",
            environment={"MY_FLAG": "1"},
            volume_size=cdk.Size.gibibytes(50),
            instance_count=2,
        ),
    )
    request = _only_request(Template.from_stack(stack).to_json())
    config = request["HyperParameterTuningJobConfig"]
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 1}}
    assert config["ResourceLimits"]["MaxRuntimeInSeconds"] == 7200
    assert config["TuningJobCompletionCriteria"] == {
        "TargetObjectiveMetricValue": 0.97,
        "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 5},
        "ConvergenceDetected": {"CompleteOnConvergence": "Enabled"},
    }
    assert config["RandomSeed"] == 42
    assert config["ParameterRanges"]["ContinuousParameterRanges"][0]["MinValue"] == "0.001"
    assert request["Tags"] == [{"Key": "team", "Value": "ml"}]
    definition = request["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"] == {
        "num_round": "100",
        "epochs": "50",
        "verbosity": "true",
        "subsample": "0.8",
    }
    assert definition["EnableManagedSpotTraining"] is True
    assert definition["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert definition["ResourceConfig"]["VolumeSizeInGB"] == 50
    assert definition["ResourceConfig"]["InstanceCount"] == 2
    assert definition["Environment"] == {"MY_FLAG": "1"}


def test_wait_for_completion_exposes_best_job_attributes() -> None:
    stack = new_stack("Wait")
    tuning_job = job(stack, wait_for_completion=True, max_runtime=cdk.Duration.minutes(40))
    (resource,) = _custom_resources(Template.from_stack(stack).to_json()).values()
    assert resource["Properties"][contract.PROP_WAIT_FOR_COMPLETION] == "true"
    assert int(resource["Properties"][contract.PROP_WAIT_TIMEOUT_SECONDS]) < contract.PROVIDER_TOTAL_TIMEOUT_SECONDS
    assert stack.resolve(tuning_job.best_objective_value)["Fn::GetAtt"][1] == "BestObjectiveValue"
    assert stack.resolve(tuning_job.best_hyperparameter("eta"))["Fn::GetAtt"][1] == "BestHyperparameter.eta"
    assert stack.resolve(tuning_job.best_hyperparameters)["Fn::GetAtt"][1] == "BestHyperparameters"
    with pytest.raises(ValueError, match="not one of the tuned hyperparameters"):
        tuning_job.best_hyperparameter("num_round")


def test_builtin_image_in_a_known_region_needs_no_mapping() -> None:
    stack = new_stack("Regional", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    job(stack)
    template = Template.from_stack(stack).to_json()
    image = _only_request(template)["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"]
    assert "141502667606" in json.dumps(image)
    assert "Mappings" not in template


def test_builtin_image_in_an_unknown_region_is_an_error() -> None:
    stack = new_stack("Nowhere", env=cdk.Environment(account="123456789012", region="xx-nowhere-1"))
    with pytest.raises(
        ValidationError, match=r"^Nowhere/Job: invalid training.image: 'xx-nowhere-1'.*\[HPO-IMAGE-002\]"
    ):
        job(stack)


def test_builtin_image_mapping_is_shared_and_unknown_versions_fail() -> None:
    stack = new_stack("Mapping")
    job(stack, "A")
    job(stack, "B", max_jobs=12)
    template = Template.from_stack(stack).to_json()
    assert len(template["Mappings"]) == 1
    (mapping,) = template["Mappings"].values()
    assert mapping["us-east-1"] == {"account": "683313688378"}
    published = r"published: 1, 0.90-1, .*, 1.7-1, 3.0-5, 3.2-0"
    with pytest.raises(ValidationError, match=r"'0.9'; is not a published xgboost version; " + published):
        job(stack, "C", training=training(image=TrainingImage.builtin_algorithm("xgboost", "0.9")))
    with pytest.raises(ValidationError, match=r"'pca'; cannot be tuned: PCA documents no tuning metrics"):
        job(stack, "D", training=training(image=TrainingImage.builtin_algorithm("pca", "1")))  # no tuning metrics


def test_warm_start_renders_parent_names_and_type() -> None:
    stack = new_stack("Warm")
    parent = job(stack, "Parent", strategy=Bayesian(), wait_for_completion=True, max_runtime=cdk.Duration.minutes(30))
    job(
        stack,
        "Child",
        strategy=Bayesian(),
        warm_start=WarmStart(parents=[parent, "earlier-job"], type=WarmStartType.TRANSFER_LEARNING),
    )
    template = Template.from_stack(stack).to_json()
    child = next(r for k, r in _custom_resources(template).items() if k.startswith("Child"))
    config = child["Properties"][contract.PROP_REQUEST]["WarmStartConfig"]
    assert config["WarmStartType"] == "TransferLearning"
    parent_id = stack.get_logical_id(parent.resource)
    assert config["ParentHyperParameterTuningJobs"] == [
        {"HyperParameterTuningJobName": {"Fn::GetAtt": [parent_id, "TuningJobName"]}},
        {"HyperParameterTuningJobName": "earlier-job"},
    ]


def test_a_gpu_training_image_construct_is_an_image_with_its_metrics() -> None:
    stack = new_stack("GpuImage")
    image = GpuTrainingImage(stack, "Image")
    job(
        stack,
        objective=cdk_objective("validation:accuracy"),
        training=training(image=image, static_hyperparameters={"workload": "mlp", "epochs": 5}, inputs={}),
    )
    definition = _only_request(Template.from_stack(stack).to_json())["TrainingJobDefinition"]
    names = [m["Name"] for m in definition["AlgorithmSpecification"]["MetricDefinitions"]]
    assert names == [m.name for m in image.metric_definitions]
    assert "validation:accuracy" in names


def test_vpc_training_gets_a_self_referencing_security_group_and_eni_permissions() -> None:
    stack = new_stack("Vpc")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    job(stack, training=training(vpc=vpc, instance_count=2))
    template = Template.from_stack(stack).to_json()
    definition = _only_request(template)["TrainingJobDefinition"]
    (group_id,) = [k for k in resources_of_type(template, "AWS::EC2::SecurityGroup") if "TrainingSecurityGroup" in k]
    assert definition["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
    assert len(definition["VpcConfig"]["Subnets"]) == 2
    (ingress,) = resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert ingress["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert any("ec2:CreateNetworkInterface" in as_list(s["Action"]) for s in statements(template))


# -- the HPO-ATTR rules: what a defined job can be asked for (tests/test_rules_registry.py reads the ids below) ----

#: Each rule id with a failing case in test_asking_a_job_for_what_it_does_not_have_names_the_rule.
FAILING_RULE_IDS = {"HPO-ATTR-001", "HPO-ATTR-002", "HPO-ATTR-003"}
#: Each rule id with a passing case in test_asking_a_job_for_what_it_has_passes_the_rules.
PASSING_RULE_IDS = {"HPO-ATTR-001", "HPO-ATTR-002", "HPO-ATTR-003"}


def test_asking_a_job_for_what_it_does_not_have_names_the_rule() -> None:
    stack = new_stack("Ask")
    waiting = job(stack, "Waiting", wait_for_completion=True, max_runtime=cdk.Duration.minutes(40))
    plain = job(stack, "Plain")
    cases = [
        (lambda: plain.connections, "HPO-ATTR-001", "connections", "the job has no VPC (set training.vpc)"),
        (lambda: waiting.best_hyperparameter("num_round"), "HPO-ATTR-002", "best_hyperparameter", "not one of the"),
        (lambda: plain.best_objective_value, "HPO-ATTR-003", "BestObjectiveValue", "set wait_for_completion=True"),
        (lambda: plain.best_hyperparameter("eta"), "HPO-ATTR-003", "BestHyperparameter.eta", "only known when"),
    ]
    for ask, rule_id, field, text in cases:
        with pytest.raises(ValidationError) as raised:
            ask()
        assert (raised.value.rule_id, raised.value.field) == (rule_id, field)
        assert str(raised.value).startswith(f"{raised.value.path}: ") and raised.value.path.startswith("Ask/")
        assert text in str(raised.value) and str(raised.value).endswith(f"[{rule_id}]")


def test_asking_a_job_for_what_it_has_passes_the_rules() -> None:
    stack = new_stack("Has")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    in_vpc = job(stack, "InVpc", training=training(vpc=vpc), wait_for_completion=True,
                 max_runtime=cdk.Duration.minutes(40))  # fmt: skip
    assert in_vpc.connections.security_groups  # HPO-ATTR-001
    assert stack.resolve(in_vpc.best_hyperparameter("eta"))  # HPO-ATTR-002 and -003
    assert stack.resolve(in_vpc.best_objective_value)  # HPO-ATTR-003


def test_a_further_job_on_a_shared_role_costs_four_jsii_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """What keeps 100 jobs within 1.3x the synth time of one (docs/benchmarks.md): each job after the first asks the
    CDK only to create its construct and its L1 resource and to depend on its role; every other fact is known in
    Python or remembered (its stack, path, provider, role ARN, image URI, and which literals are tokens)."""
    from jsii._kernel.providers import process

    stack = new_stack()
    role = TrainingRole(
        stack,
        "Role",
        data_locations=[S3Location.from_uri("s3://my-data/train/"), S3Location.from_uri("s3://my-data/validation/")],
        artifact_locations=[S3Location.from_uri("s3://my-data/output/")],
    )
    for index in range(2):
        job(stack, f"Job{index}", training=training(role=role, static_hyperparameters={"num_round": 100 + index}))
    requests: list[str] = []
    send = process._NodeProcess.send

    def counted(self: Any, request: Any, response_type: Any) -> Any:
        requests.append(type(request).__name__)
        return send(self, request, response_type)

    monkeypatch.setattr(process._NodeProcess, "send", counted)
    job(stack, "Job2", training=training(role=role, static_hyperparameters={"num_round": 102, "gamma": "0.5"}))
    monkeypatch.undo()
    assert sorted(requests) == ["CreateRequest", "CreateRequest", "GetRequest", "InvokeRequest"], requests


def test_no_warnings_for_the_published_example() -> None:
    stack = new_stack("Quiet")
    job(stack, "Tuning")
    assert not warnings(stack)


def test_no_warnings_for_a_correct_custom_image_hyperband_job() -> None:
    stack = new_stack("QuietCustom")
    job(stack, "Tuning", **custom_image_job(stack))
    job(stack, "Gpu", **gpu_job())
    assert not warnings(stack)
