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

# Property keys. CloudFormation's own: the provider function's ARN, and the optional per-resource timeout (not used).
PROP_SERVICE_TOKEN = "ServiceToken"
PROP_SERVICE_TIMEOUT = "ServiceTimeout"
# The handler's.
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

# Ownership: tags the handler (never the user) sets on every job it creates, on CreateHyperParameterTuningJob.
#: Reserved tag-key prefix: user tags may not start with it.
OWNER_TAG_PREFIX = "sagemaker-hpo:"
#: The provider (tenant) that manages the job: its name prefix. The handler's IAM policy allows
#: ``StopHyperParameterTuningJob`` only on jobs whose ``aws:ResourceTag/<this key>`` is the provider's value, and
#: ``CreateHyperParameterTuningJob`` only with ``aws:RequestTag/<this key>`` equal to it.
OWNER_TAG_PROVIDER = "sagemaker-hpo:provider"
#: The owning CloudFormation stack's id (``StackId``) and the resource's logical id.
OWNER_TAG_STACK_ID = "sagemaker-hpo:stack-id"
OWNER_TAG_LOGICAL_ID = "sagemaker-hpo:logical-id"
#: The CloudFormation request that created the job (tells "created by this event" from "found existing").
OWNER_TAG_REQUEST_ID = "sagemaker-hpo:cfn-request-id"
#: SHA-256 of the normalised request (typed, user tags included): adoption needs an exactly equal request.
OWNER_TAG_REQUEST_SHA256 = "sagemaker-hpo:request-sha256"
#: The platform team the job belongs to, for a team's provider (``ENV_OWNER_TEAM`` set on its functions). A team's
#: provider may create only jobs with ``aws:RequestTag/<this key>`` equal to its team and stop only jobs with
#: ``aws:ResourceTag/<this key>`` equal to it.
OWNER_TAG_TEAM = "sagemaker-hpo:team"
#: The keys that say who owns a job (all must be equal to adopt or stop it), and every key the handler sets.
OWNER_TAG_KEYS = (OWNER_TAG_PROVIDER, OWNER_TAG_STACK_ID, OWNER_TAG_LOGICAL_ID)
HANDLER_TAG_KEYS = (*OWNER_TAG_KEYS, OWNER_TAG_TEAM, OWNER_TAG_REQUEST_ID, OWNER_TAG_REQUEST_SHA256)
#: SageMaker's limit on tags per job, and what is left for the user's tags.
MAX_JOB_TAGS = 50
MAX_USER_TAGS = MAX_JOB_TAGS - len(HANDLER_TAG_KEYS)
#: Environment variable of the handler functions holding the provider's owner-tag value (its name prefix).
ENV_OWNER_PROVIDER = "SAGEMAKER_HPO_PROVIDER"
#: Environment variable of a team provider's handler functions holding the team's name (the ``OWNER_TAG_TEAM`` value).
ENV_OWNER_TEAM = "SAGEMAKER_HPO_TEAM"

# Event size: with an isComplete handler the Provider framework starts a Step Functions execution for every event,
# whose input (the event, ResourceProperties and, on Update, OldResourceProperties, plus the onEvent result) may be
# at most 262,144 bytes of UTF-8.
WAITER_INPUT_LIMIT_BYTES = 262_144
#: Room kept for what the handler cannot measure in advance: the pre-signed ResponseURL, Data, the physical id.
WAITER_EVENT_ALLOWANCE_BYTES = 4096
#: Key of the onEvent result that carries the handler's state to isComplete (the framework merges it into the
#: event it passes on; CloudFormation never sees it).
EVENT_STATE_KEY = "SageMakerHpoState"

# Construct-side wording the handler's messages use (the runtime does not know the construct API otherwise).
CONSTRUCT_PROP_TUNING_JOB_NAME = "tuning_job_name"
CONSTRUCT_PROP_WAIT_FOR_COMPLETION = "wait_for_completion"
CONSTRUCT_PROP_MAX_RUNTIME = "max_runtime"
CONSTRUCT_NAME = "TuningJob"

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
