"""The ``Custom::SageMakerHyperParameterTuningJob`` handler (entry module: ``index``)."""
