"""The contract between the ``TuningJob`` construct and its Lambda handler.

One module, two readers: the handler imports it from its own package (it ships in the same Lambda asset), and the
construct library imports it as ``sagemaker_hpo.handlers.tuning_job.contract`` (the ``lambda/`` folder is the package
``sagemaker_hpo.handlers`` in the distribution). Standard library only, and no imports of the handler's modules.

Custom resource properties (CloudFormation turns every leaf value into a string):

``Request``
    The ``CreateHyperParameterTuningJob`` request, in the API's own key names, without
    ``HyperParameterTuningJobName``. The handler restores the API's types (integers, floats, booleans) from
    botocore's SageMaker service model before calling SageMaker.
``TuningJobName``
    Optional fixed job name. Absent: the handler derives a name from ``NamePrefix`` and the resolved request.
``NamePrefix``
    The stack's prefix for generated names; the handler's IAM policy is scoped to job names with this prefix.
``WaitForCompletion``
    ``"true"`` or ``"false"``: whether the deployment waits for the job to finish.
``WaitTimeoutSeconds``
    How long, counted from the job's creation, a waiting deployment may take before the job is stopped and the
    deployment fails (kept below the Provider framework's one-hour ceiling).
"""

#: The version of sagemaker-hpo-cdk (the distribution's version is read from here; the handler's user agent too).
LIBRARY_VERSION = "0.2.0"

RESOURCE_TYPE = "Custom::SageMakerHyperParameterTuningJob"

# Property keys.
PROP_REQUEST = "Request"
PROP_TUNING_JOB_NAME = "TuningJobName"
PROP_NAME_PREFIX = "NamePrefix"
PROP_WAIT_FOR_COMPLETION = "WaitForCompletion"
PROP_WAIT_TIMEOUT_SECONDS = "WaitTimeoutSeconds"

# Data keys returned to CloudFormation (read with Fn::GetAtt).
ATTR_TUNING_JOB_NAME = "TuningJobName"
ATTR_TUNING_JOB_ARN = "TuningJobArn"
ATTR_BEST_TRAINING_JOB_NAME = "BestTrainingJobName"
ATTR_BEST_OBJECTIVE_VALUE = "BestObjectiveValue"
ATTR_BEST_HYPERPARAMETERS = "BestHyperparameters"
# Each best hyperparameter is also returned on its own, as ``BestHyperparameter.<name>``.
ATTR_BEST_HYPERPARAMETER_PREFIX = "BestHyperparameter."

# Tuning job names (SageMaker's HyperParameterTuningJobName pattern and length; names compare case-insensitively).
JOB_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"
# Generated names: "<prefix>-<hash>", lower-case, at most MAX_JOB_NAME_LENGTH characters (prefix at most
# NAME_PREFIX_MAX_LENGTH).
MAX_JOB_NAME_LENGTH = 32
NAME_PREFIX_MAX_LENGTH = 15

# The Provider framework's ceiling for a waiting deployment, and the margin the handler keeps below it.
PROVIDER_TOTAL_TIMEOUT_SECONDS = 3600
WAIT_MARGIN_SECONDS = 300
MAX_WAIT_TIMEOUT_SECONDS = PROVIDER_TOTAL_TIMEOUT_SECONDS - WAIT_MARGIN_SECONDS
# A job that runs to its own MaxRuntimeInSeconds still spends minutes Stopping: a waited job's max_runtime must leave
# this much of the wait window for that.
JOB_STOPPING_MARGIN_SECONDS = 600
MAX_WAITED_JOB_RUNTIME_SECONDS = MAX_WAIT_TIMEOUT_SECONDS - JOB_STOPPING_MARGIN_SECONDS
QUERY_INTERVAL_SECONDS = 60

# Handler entry points, relative to the asset folder (the ``lambda/`` folder: one package per function).
ON_EVENT_HANDLER = "tuning_job.index.on_event"
IS_COMPLETE_HANDLER = "tuning_job.index.is_complete"


def api_string(value: object) -> str:
    """The string SageMaker (and CloudFormation) gets for a scalar value: booleans as ``true``/``false``, floats in
    their shortest round-trip form, integers and strings as they are. Anything else is a ``TypeError``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    raise TypeError(f"expected a string, number or boolean, got {type(value).__name__}")
