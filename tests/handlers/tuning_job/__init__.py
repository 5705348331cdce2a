"""Tests of the tuning-job handler (``lambda/tuning_job``), one module per handler module.

Two suites span the modules: ``test_fault_matrix.py`` (CloudFormation scenarios with injected faults, cited row by row
in ``docs/reliability.md``) and ``test_over_http.py`` (the handler over real HTTP against a local moto server).
"""
