"""``TrainingBuckets``, ``SecureBucket``, ``HpoPlatform`` and its SSM import, and the default app's use of them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from sagemaker_hpo import (
    HpoPlatform,
    ImportedHpoPlatform,
    S3Input,
    S3Location,
    SecureBucket,
    TrainingBuckets,
    TrainingImage,
    TuningJobProvider,
    ValidationError,
)
from sagemaker_hpo.platform import resolve_namespace
from tests.platform_apps import PLATFORM_NAMESPACE, consumer_app, default_app, platform_app
from tests.template_checks import as_list, iam_statements, resources_of_type


def _template(synthesized: Any, stack_name: str) -> Template:
    return Template.from_json(synthesized.templates[stack_name])


def _ref_ids(value: Any) -> set[str]:
    """Every logical id ``value`` refers to (Ref / Fn::GetAtt), however deeply nested."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value:
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for item in value.values():
            found |= _ref_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ref_ids(item)
    return found


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    """The logical id of an L2 construct's CloudFormation resource."""
    resource = construct.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    return str(stack.resolve(resource.logical_id))


def _parameters_by_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["Properties"]["Name"]: p["Properties"] for p in resources_of_type(template, "AWS::SSM::Parameter").values()
    }


# -- TrainingBuckets ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def buckets_template() -> tuple[Template, cdk.Stack, TrainingBuckets]:
    stack = cdk.Stack(cdk.App(), "Buckets")
    buckets = TrainingBuckets(
        stack, "Buckets", checkpoint_expiration=Duration.days(5), noncurrent_version_expiration=Duration.days(10)
    )
    return Template.from_stack(stack), stack, buckets


def test_buckets_create_three_buckets_and_a_rotating_retained_key(buckets_template: Any) -> None:
    template, _, _ = buckets_template
    template.resource_count_is("AWS::S3::Bucket", 3)
    template.has_resource(
        "AWS::KMS::Key",
        {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    )


def test_data_and_artifacts_use_the_key_with_bucket_keys_and_log_to_the_log_bucket(buckets_template: Any) -> None:
    template, stack, buckets = buckets_template
    key_id = _logical_id(stack, buckets.key)
    log_id = _logical_id(stack, buckets.access_logs_bucket)
    for bucket, prefix in ((buckets.data_bucket, "data/"), (buckets.artifacts_bucket, "artifacts/")):
        properties = template.to_json()["Resources"][_logical_id(stack, bucket)]["Properties"]
        rule = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert _ref_ids(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]) == {key_id}
        assert rule["BucketKeyEnabled"] is True
        assert properties["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": log_id}, "LogFilePrefix": prefix}


def test_log_bucket_uses_sse_s3_and_lets_only_s3_logging_from_this_account_write(buckets_template: Any) -> None:
    template, stack, buckets = buckets_template
    resources = template.to_json()["Resources"]
    log_id = _logical_id(stack, buckets.access_logs_bucket)
    properties = resources[log_id]["Properties"]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert "LoggingConfiguration" not in properties
    policy = next(p for p in resources_of_type(template.to_json(), "AWS::S3::BucketPolicy").values()
                  if p["Properties"]["Bucket"] == {"Ref": log_id})  # fmt: skip
    delivery = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s.get("Principal") == {
        "Service": "logging.s3.amazonaws.com"}]  # fmt: skip
    assert len(delivery) == 2  # one per logged bucket
    for statement in delivery:
        assert statement["Effect"] == "Allow" and statement["Action"] == "s3:PutObject"
        assert set(statement["Condition"]) == {"ArnLike", "StringEquals"}
        assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]


def test_lifecycle_rules_abort_uploads_expire_old_versions_and_checkpoints(buckets_template: Any) -> None:
    template, stack, buckets = buckets_template
    resources = template.to_json()["Resources"]
    for bucket in (buckets.data_bucket, buckets.artifacts_bucket, buckets.access_logs_bucket):
        rules = resources[_logical_id(stack, bucket)]["Properties"]["LifecycleConfiguration"]["Rules"]
        housekeeping = next(r for r in rules if r["Id"] == "Housekeeping")
        assert housekeeping["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
        assert housekeeping["NoncurrentVersionExpiration"] == {"NoncurrentDays": 10}
    rules = resources[_logical_id(stack, buckets.artifacts_bucket)]["Properties"]["LifecycleConfiguration"]["Rules"]
    checkpoints = next(r for r in rules if r["Id"] == "ExpireCheckpoints")
    assert checkpoints["Prefix"] == "checkpoints/" and checkpoints["ExpirationInDays"] == 5
    data_rules = resources[_logical_id(stack, buckets.data_bucket)]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [r["Id"] for r in data_rules] == ["Housekeeping"]


def test_a_key_passed_in_is_used_and_none_is_created() -> None:
    stack = cdk.Stack(cdk.App(), "OwnKey")
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    buckets = TrainingBuckets(stack, "Buckets", encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    assert buckets.key is key
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key.key_arn}})]}},
    )  # fmt: skip


def test_helpers_return_typed_locations_in_the_right_bucket_and_prefix(buckets_template: Any) -> None:
    _, _, buckets = buckets_template
    channel = buckets.data_input("xgb/train/", content_type="text/csv")
    assert isinstance(channel, S3Input) and channel.content_type == "text/csv"
    assert channel.location.bucket is buckets.data_bucket and channel.location.key_prefix == "xgb/train/"
    assert channel.location.kms_key is buckets.key
    output = buckets.output_location("xgb/")
    assert isinstance(output, S3Location) and output.bucket is buckets.artifacts_bucket
    assert output.key_prefix == "output/xgb/" and output.kms_key is buckets.key
    checkpoint = buckets.checkpoint_location("/xgb/")
    assert checkpoint.bucket is buckets.artifacts_bucket and checkpoint.key_prefix == "checkpoints/xgb/"
    assert buckets.data_location().key_prefix == ""


@pytest.mark.parametrize("prefix", ["a//b/", "../other/", "a/../b/"])
def test_helpers_reject_prefixes_that_escape_or_have_empty_segments(buckets_template: Any, prefix: str) -> None:
    _, _, buckets = buckets_template
    with pytest.raises(ValidationError, match=r"^Buckets/Buckets: invalid prefix"):
        buckets.checkpoint_location(prefix)


def test_checkpoint_expiration_must_be_at_least_a_day() -> None:
    with pytest.raises(ValidationError, match=r"Stack/Buckets: invalid checkpoint_expiration"):
        TrainingBuckets(cdk.Stack(cdk.App(), "Stack"), "Buckets", checkpoint_expiration=Duration.hours(5))


def test_secure_bucket_refuses_weaker_settings() -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    logs = SecureBucket(stack, "Logs", access_log_target=True)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    with pytest.raises(ValidationError, match=r"^Stack/NoKey: invalid encryption_key: None"):
        SecureBucket(stack, "NoKey", server_access_logs_bucket=logs)
    with pytest.raises(ValidationError, match=r"^Stack/NoLogs: invalid server_access_logs_bucket: None"):
        SecureBucket(stack, "NoLogs", encryption_key=key)
    with pytest.raises(ValidationError, match=r"^Stack/KmsLogs: invalid encryption_key: .*SSE-S3"):
        SecureBucket(stack, "KmsLogs", access_log_target=True, encryption_key=key)
    with pytest.raises(ValidationError, match=r"^Stack/Data: invalid access_log_target"):
        SecureBucket(stack, "Data", encryption_key=key, server_access_logs_bucket=logs).allow_log_delivery_from(logs)


def test_secure_bucket_log_delivery_does_not_depend_on_the_apps_feature_flags() -> None:
    # Without @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy the L2 prop would switch the log bucket to an ACL.
    app = cdk.App(context={"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": False})
    stack = cdk.Stack(app, "Stack")
    TrainingBuckets(stack, "Buckets")
    template = Template.from_stack(stack).to_json()
    for bucket in resources_of_type(template, "AWS::S3::Bucket").values():
        assert "AccessControl" not in bucket["Properties"]
        assert bucket["Properties"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


# -- HpoPlatform ---------------------------------------------------------------------------------------------------


def test_platform_publishes_every_value_consumers_need_under_its_namespace() -> None:
    synthesized = platform_app()
    platform: HpoPlatform = synthesized.constructs["platform"]
    stack: cdk.Stack = synthesized.constructs["stack"]
    template = synthesized.templates["Platform"]
    parameters = _parameters_by_name(template)
    expected = {
        "training-role-arn", "data-bucket-name", "artifacts-bucket-name", "key-arn", "provider-service-token",
        "provider-name-prefix", "images/gpu/uri", "images/custom/uri", "guardrails-digest",
    }  # fmt: skip
    assert set(parameters) == {f"{PLATFORM_NAMESPACE}{key}" for key in expected}
    assert all(p["Type"] == "String" for p in parameters.values())

    def value(key: str) -> Any:
        return parameters[f"{PLATFORM_NAMESPACE}{key}"]["Value"]

    assert value("training-role-arn") == {"Fn::GetAtt": [_logical_id(stack, platform.training_role), "Arn"]}
    assert value("data-bucket-name") == {"Ref": _logical_id(stack, platform.data_bucket)}
    assert value("artifacts-bucket-name") == {"Ref": _logical_id(stack, platform.artifacts_bucket)}
    assert value("key-arn") == {"Fn::GetAtt": [_logical_id(stack, platform.key), "Arn"]}
    assert value("provider-service-token") == stack.resolve(platform.provider.service_token)
    assert value("provider-name-prefix") == platform.provider.name_prefix
    assert "cdk-hnb659fds-container-assets" in json.dumps(value("images/gpu/uri"))
    assert "my-training:v1" in json.dumps(value("images/custom/uri"))
    assert value("guardrails-digest") == "none"  # no guardrails; team apps' drift rules compare with it


def test_platform_provider_is_the_stacks_provider_and_may_pass_the_platform_role() -> None:
    synthesized = platform_app()
    platform: HpoPlatform = synthesized.constructs["platform"]
    stack: cdk.Stack = synthesized.constructs["stack"]
    assert TuningJobProvider.of(stack) is platform.provider
    assert synthesized.constructs["xgb"].provider is platform.provider
    role_arn = {"Fn::GetAtt": [_logical_id(stack, platform.training_role), "Arn"]}
    pass_role = [s for s in iam_statements(synthesized.templates["Platform"]) if "iam:PassRole" in s.actions]
    assert len(pass_role) == 1
    assert pass_role[0].resources == [role_arn]
    assert pass_role[0].conditions == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert len(resources_of_type(synthesized.templates["Platform"], "AWS::Lambda::Function")) == 5  # one provider


def test_platform_role_reads_the_data_bucket_and_writes_only_output_and_checkpoints() -> None:
    synthesized = platform_app()
    platform: HpoPlatform = synthesized.constructs["platform"]
    stack: cdk.Stack = synthesized.constructs["stack"]
    role_id = _logical_id(stack, platform.training_role)
    policies = [
        s for s in iam_statements(synthesized.templates["Platform"])
        if s.resource_type == "AWS::IAM::Policy" and role_id in json.dumps(
            synthesized.templates["Platform"]["Resources"][s.logical_id]["Properties"]["Roles"])
    ]  # fmt: skip
    data_id, artifacts_id = _logical_id(stack, platform.data_bucket), _logical_id(stack, platform.artifacts_bucket)
    writes = [s for s in policies if "s3:PutObject" in s.actions]
    written = {json.dumps(r) for s in writes for r in s.resources}
    assert all(artifacts_id in w for w in written) and not any(data_id in w for w in written)
    assert any('"/output/*"' in w for w in written) and any('"/checkpoints/*"' in w for w in written)
    reads = [s for s in policies if s.actions == ["s3:GetObject"]]
    assert any(data_id in json.dumps(s.resources) and '"/*"' in json.dumps(s.resources) for s in reads)
    kms_statements = [s for s in policies if any(str(a).startswith("kms:") for a in s.actions)]
    assert kms_statements and all("kms:ViaService" in s.conditions.get("StringEquals", {}) for s in kms_statements)
    ecr = [s for s in policies if "ecr:BatchGetImage" in s.actions]
    pulled = json.dumps([s.resources for s in ecr])
    assert "cdk-hnb659fds-container-assets" in pulled and "repository/my-training" in pulled


def test_gpu_image_and_its_metric_definitions_are_available() -> None:
    synthesized = platform_app()
    platform: HpoPlatform = synthesized.constructs["platform"]
    assert set(platform.images) == {"gpu", "custom"}
    names = {m.name for m in platform.images["gpu"].metric_definitions}
    assert "validation:accuracy" in names


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("ml/hpo/", "must look like /team/platform/"),
        ("/ml//hpo/", "must look like /team/platform/"),
        ("/ml platform/", "must look like /team/platform/"),
        ("/aws/hpo/", "must not start with /aws or /ssm"),
        ("/SSM/hpo/", "must not start with /aws or /ssm"),
        ("/" + "a/" * 13, "must look like /team/platform/"),
    ],
)
def test_namespace_format_is_validated_naming_the_path_and_field(namespace: str, message: str) -> None:
    with pytest.raises(ValidationError, match=rf"^Stack/Platform: invalid namespace: .*{message}") as raised:
        HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform", namespace=namespace)
    assert raised.value.field == "namespace" and raised.value.path == "Stack/Platform"


def test_namespace_and_name_rules() -> None:
    assert resolve_namespace("p", "default", None) == "/sagemaker-hpo/default/"
    assert resolve_namespace("p", "x", "/team/hpo") == "/team/hpo/"
    with pytest.raises(ValidationError, match=r"^p: invalid name: 'bad name'"):
        resolve_namespace("p", "bad name", None)
    stack = cdk.Stack(cdk.App(), "Stack")
    with pytest.raises(ValidationError, match=r"invalid namespace: .*not a token"):
        ImportedHpoPlatform(stack, "Imported", namespace=cdk.Fn.ref("Namespace"))
    with pytest.raises(ValidationError, match=r"^Stack/Imported2: invalid images name"):
        ImportedHpoPlatform(stack, "Imported2").image_uri("no/slashes")


def test_include_gpu_image_refuses_a_second_image_called_gpu() -> None:
    image = TrainingImage.builtin_algorithm("xgboost", "1.7-1")
    with pytest.raises(ValidationError, match=r"^Stack/Platform: invalid images: 'gpu'"):
        HpoPlatform(cdk.Stack(cdk.App(), "Stack"), "Platform", include_gpu_image=True, images={"gpu": image})


# -- the import path -----------------------------------------------------------------------------------------------


def _ssm_parameter_names(template: dict[str, Any]) -> dict[str, str]:
    return {
        logical_id: parameter["Default"]
        for logical_id, parameter in template.get("Parameters", {}).items()
        if parameter["Type"] == "AWS::SSM::Parameter::Value<String>" and logical_id != "BootstrapVersion"
    }


def _ssm_ref(template: dict[str, Any], key: str, namespace: str = PLATFORM_NAMESPACE) -> dict[str, str]:
    by_name = {name: logical_id for logical_id, name in _ssm_parameter_names(template).items()}
    return {"Ref": by_name[f"{namespace}{key}"]}


def test_imported_platform_jobs_use_the_ssm_parameters_and_no_exports() -> None:
    template = consumer_app().templates["Consumer"]
    assert "Fn::ImportValue" not in json.dumps(template)
    jobs = resources_of_type(template, "Custom::SageMakerHyperParameterTuningJob")
    assert len(jobs) == 2
    data, artifacts = _ssm_ref(template, "data-bucket-name"), _ssm_ref(template, "artifacts-bucket-name")
    for job in jobs.values():
        properties = job["Properties"]
        assert properties["ServiceToken"] == _ssm_ref(template, "provider-service-token")
        assert properties["NamePrefix"] == _ssm_ref(template, "provider-name-prefix")
        definition = properties["Request"]["TrainingJobDefinition"]
        assert definition["RoleArn"] == _ssm_ref(template, "training-role-arn")
        for channel in definition["InputDataConfig"]:
            uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
            assert uri["Fn::Join"][1][:2] == ["s3://", data]
        assert definition["OutputDataConfig"]["S3OutputPath"]["Fn::Join"][1][:2] == ["s3://", artifacts]
    xgb = next(j for j in jobs.values() if j["Properties"]["Request"]["TrainingJobDefinition"].get("CheckpointConfig"))
    definition = xgb["Properties"]["Request"]["TrainingJobDefinition"]
    assert definition["OutputDataConfig"]["KmsKeyId"] == _ssm_ref(template, "key-arn")
    assert definition["CheckpointConfig"]["S3Uri"]["Fn::Join"][1] == ["s3://", artifacts, "/checkpoints/xgb/"]
    gpu = next(j for j in jobs.values() if j is not xgb)
    algorithm = gpu["Properties"]["Request"]["TrainingJobDefinition"]["AlgorithmSpecification"]
    assert algorithm["TrainingImage"] == _ssm_ref(template, "images/gpu/uri")
    assert "validation:accuracy" in {m["Name"] for m in algorithm["MetricDefinitions"]}


def test_imported_platform_adds_no_iam_and_no_provider_to_the_consumer() -> None:
    template = consumer_app().templates["Consumer"]
    types = {r["Type"] for r in template["Resources"].values()}
    assert "Custom::SageMakerHyperParameterTuningJob" in types
    assert types <= {"Custom::SageMakerHyperParameterTuningJob", "AWS::CDK::Metadata"}


def test_imported_platform_values_are_the_parameters_the_platform_publishes() -> None:
    published = set(_parameters_by_name(platform_app().templates["Platform"]))
    imported = set(_ssm_parameter_names(consumer_app().templates["Consumer"]).values())
    assert imported <= published
    assert imported >= {f"{PLATFORM_NAMESPACE}{k}" for k in ("training-role-arn", "provider-service-token")}


# -- the default app -----------------------------------------------------------------------------------------------


def test_default_app_has_the_platform_stack_and_the_xgboost_stack_imports_it() -> None:
    synthesized = default_app()
    assert set(synthesized.templates) == {"HpoPlatform", "XgboostHyperband", "MlpHyperband", "Resnet20Hyperband"}
    xgb = synthesized.templates["XgboostHyperband"]
    assert "Fn::ImportValue" not in json.dumps(xgb)
    assert not resources_of_type(xgb, "AWS::IAM::Role") and not resources_of_type(xgb, "AWS::Lambda::Function")
    platform_parameters = set(_parameters_by_name(synthesized.templates["HpoPlatform"]))
    assert set(_ssm_parameter_names(xgb).values()) <= platform_parameters
    manifest = json.loads((Path(synthesized.app.outdir) / "manifest.json").read_text())
    assert "HpoPlatform" in manifest["artifacts"]["XgboostHyperband"]["dependencies"]


def test_default_xgboost_stack_keeps_the_published_sample_configuration() -> None:
    xgb = default_app().templates["XgboostHyperband"]
    (job,) = resources_of_type(xgb, "Custom::SageMakerHyperParameterTuningJob").values()
    request = job["Properties"]["Request"]
    config = request["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Hyperband"
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 5}
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
    ranges = config["ParameterRanges"]
    assert {(r["Name"], r["MinValue"], r["MaxValue"]) for r in ranges["ContinuousParameterRanges"]} == {
        ("eta", "0", "1"), ("min_child_weight", "1", "10"), ("alpha", "0", "2")}  # fmt: skip
    assert [(r["Name"], r["MinValue"], r["MaxValue"]) for r in ranges["IntegerParameterRanges"]] == [
        ("max_depth", "1", "10")]  # fmt: skip
    definition = request["TrainingJobDefinition"]
    namespace = "/sagemaker-hpo/default/"
    data = _ssm_ref(xgb, "data-bucket-name", namespace)
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in definition["InputDataConfig"]}
    assert channels == {
        "train": {"Fn::Join": ["", ["s3://", data, "/teams/vision/xgboost/train/"]]},
        "validation": {"Fn::Join": ["", ["s3://", data, "/teams/vision/xgboost/validation/"]]},
    }
    artifacts = _ssm_ref(xgb, "artifacts-bucket-name", namespace)
    assert definition["OutputDataConfig"]["S3OutputPath"] == {
        "Fn::Join": ["", ["s3://", artifacts, "/output/teams/vision/xgboost/"]]
    }
    team_namespace = f"{namespace}teams/vision/"
    assert definition["RoleArn"] == _ssm_ref(xgb, "training-role-arn", team_namespace)
    assert job["Properties"]["ServiceToken"] == _ssm_ref(xgb, "provider-service-token", team_namespace)
    assert "Tags" not in request  # the vision provider's handler adds the team tag at deploy time
    assert definition["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert definition["StaticHyperParameters"] == {"objective": "binary:logistic", "num_round": "100"}


@pytest.mark.skipif(
    any(
        os.environ.get(v)
        for v in ("CDK_DEFAULT_ACCOUNT", "CDK_DEPLOY_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_DEPLOY_REGION")
    ),
    reason="an account or region is set in the environment",
)
def test_default_stacks_are_environment_agnostic() -> None:
    synthesized = default_app()
    for stack in synthesized.app.node.children:
        if isinstance(stack, cdk.Stack):
            assert cdk.Token.is_unresolved(stack.account) and cdk.Token.is_unresolved(stack.region)


def test_as_list_helper() -> None:
    assert as_list(None) == [] and as_list("a") == ["a"] and as_list(["a", "b"]) == ["a", "b"]


# -- provider settings: a platform passes them to the providers it creates (and its teams') ------------------------


def _function_settings(template: dict[str, Any], stack: cdk.Stack, provider: Any) -> dict[str, Any]:
    """The rendered timeout, memory and architecture of ``provider``'s two handlers, and its log group's retention."""
    resources = template["Resources"]
    found: dict[str, Any] = {}
    for name in ("on_event_function", "is_complete_function"):
        props = resources[stack.get_logical_id(getattr(provider, name).node.default_child)]["Properties"]
        found[name] = (props["Timeout"], props["MemorySize"], props["Architectures"])
    found["retention"] = resources[stack.get_logical_id(provider.log_group.node.default_child)]["Properties"][
        "RetentionInDays"
    ]
    return found


def test_provider_settings_of_a_platform_change_its_providers_functions() -> None:
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs

    from sagemaker_hpo import ProviderSettings

    stack = cdk.Stack(cdk.App(), "Tuned")
    platform = HpoPlatform(
        stack,
        "Platform",
        provider_settings=ProviderSettings(
            on_event_timeout=Duration.minutes(2), memory_size=1024, architecture=lambda_.Architecture.X86_64
        ),
        log_retention=logs.RetentionDays.ONE_YEAR,
    )
    inherited = platform.add_team("vision")
    own = platform.add_team("audio", provider_settings=ProviderSettings(memory_size=2048))
    template = Template.from_stack(stack).to_json()
    assert _function_settings(template, stack, platform.provider) == {
        "on_event_function": (120, 1024, ["x86_64"]),
        "is_complete_function": (300, 1024, ["x86_64"]),  # not set: the default
        "retention": 365,  # log_retention: the platform's own provider only, as before
    }
    assert _function_settings(template, stack, inherited.provider) == {
        "on_event_function": (120, 1024, ["x86_64"]),
        "is_complete_function": (300, 1024, ["x86_64"]),
        "retention": 90,
    }
    assert _function_settings(template, stack, own.provider)["on_event_function"] == (120, 2048, ["x86_64"])


def test_a_platform_without_provider_settings_keeps_the_documented_defaults() -> None:
    from sagemaker_hpo import DEFAULT_PROVIDER_SETTINGS

    stack = cdk.Stack(cdk.App(), "Plain")
    platform = HpoPlatform(stack, "Platform")
    assert platform.provider_settings == DEFAULT_PROVIDER_SETTINGS
    assert _function_settings(Template.from_stack(stack).to_json(), stack, platform.provider) == {
        "on_event_function": (300, 256, ["arm64"]),
        "is_complete_function": (300, 256, ["arm64"]),
        "retention": 90,
    }


def test_bad_provider_settings_name_the_platform() -> None:
    from sagemaker_hpo import ProviderSettings

    with pytest.raises(ValidationError) as raised:
        HpoPlatform(cdk.Stack(cdk.App(), "Bad"), "Platform", provider_settings=ProviderSettings(memory_size=64))
    assert (raised.value.path, raised.value.rule_id) == ("Bad/Platform", "HPO-PROVIDER-003")


#: HPO-PROVIDER-006 (tests/test_rules_registry.py): failing and passing cases below.
FAILING_RULE_IDS = {"HPO-PROVIDER-006"}
PASSING_RULE_IDS = {"HPO-PROVIDER-006"}


def test_settings_the_stacks_existing_provider_does_not_have_are_refused() -> None:
    from sagemaker_hpo import ProviderSettings, TuningJobProvider

    stack = cdk.Stack(cdk.App(), "Shared")
    TuningJobProvider.of(stack)  # e.g. a job defined before the platform
    HpoPlatform(stack, "Same", provider_settings=ProviderSettings(memory_size=256))  # what it has: accepted
    HpoPlatform(stack, "Unset")  # nothing asked for: accepted, as before
    with pytest.raises(ValidationError) as raised:
        HpoPlatform(stack, "Other", provider_settings=ProviderSettings(memory_size=1024))
    error = raised.value
    assert (error.path, error.field, error.rule_id) == (
        "Shared/Other",
        "provider_settings.memory_size",
        "HPO-PROVIDER-006",
    )
    assert "already exists with 256" in str(error)
