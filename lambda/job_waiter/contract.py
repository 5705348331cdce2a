"""The contract between the ``TuningJob`` construct's long wait and the ``job_waiter`` function.

One module, two readers (like ``tuning_job.contract``): the function imports it from its own package, the construct
library as ``sagemaker_hpo.handlers.job_waiter.contract``. Standard library only.

The function is invoked in two ways:

* by an EventBridge rule on the job's state-change events, with the input ``{HandleUrl, Detail}`` (the rule's input
  transformer adds the wait condition handle's pre-signed URL to the event's ``detail``);
* by CloudFormation, as the service token of two custom resources: ``CheckFinished`` (after the rule exists, signal
  the handle if the job has already ended) and ``BestTrainingJob`` (after the wait, describe the job's best training
  job).
"""

#: The function's entry point, relative to the asset folder (``lambda/``).
HANDLER = "job_waiter.index.handler"

# EventBridge: the events SageMaker sends when a tuning job changes state.
EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker HyperParameter Tuning Job State Change"
DETAIL_JOB_NAME = "HyperParameterTuningJobName"
DETAIL_JOB_STATUS = "HyperParameterTuningJobStatus"

# The rule target's input.
INPUT_HANDLE_URL = "HandleUrl"
INPUT_DETAIL = "Detail"

# Custom resource properties.
PROP_ACTION = "Action"
PROP_TUNING_JOB_NAME = "TuningJobName"
PROP_HANDLE_URL = "HandleUrl"
ACTION_CHECK_FINISHED = "CheckFinished"
ACTION_BEST_TRAINING_JOB = "BestTrainingJob"
RESOURCE_TYPE_CHECK = "Custom::SageMakerTuningJobFinishedCheck"
RESOURCE_TYPE_BEST = "Custom::SageMakerTuningJobBestTrainingJob"

# Data of the BestTrainingJob resource (read with Fn::GetAtt). The names are those of the tuning-job resource's own
# attributes (a test checks they agree), plus the model artifacts.
ATTR_BEST_TRAINING_JOB_NAME = "BestTrainingJobName"
ATTR_BEST_OBJECTIVE_VALUE = "BestObjectiveValue"
ATTR_BEST_HYPERPARAMETERS = "BestHyperparameters"
ATTR_BEST_HYPERPARAMETER_PREFIX = "BestHyperparameter."
ATTR_BEST_MODEL_ARTIFACTS = "BestModelArtifacts"

#: The one UniqueId of every signal for a wait: CloudFormation counts signals with the same id once, so duplicate
#: events, and the check and an event both signalling, complete the wait exactly once.
SIGNAL_UNIQUE_ID = "sagemaker-hpo-tuning-job"

#: The longest a WaitCondition may wait (12 hours), counted from when CloudFormation starts creating it.
MAX_WAIT_CONDITION_TIMEOUT_SECONDS = 43_200

# Tuning job statuses (botocore's HyperParameterTuningJobStatus) that end a job.
STATUS_COMPLETED = "Completed"
STATUS_FAILED = "Failed"
STATUS_STOPPED = "Stopped"
FINAL_STATUSES = (STATUS_COMPLETED, STATUS_FAILED, STATUS_STOPPED)
