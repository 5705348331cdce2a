"""Tests of the job waiter function (``lambda/job_waiter``), one module per handler module."""
