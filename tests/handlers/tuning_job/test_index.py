"""Tests of ``tuning_job.index``, the entry module: a cold import loads no AWS SDK."""

from __future__ import annotations

import subprocess
import sys

from tests.handler_support import LOADER_CODE


def test_cold_import_loads_no_aws_sdk() -> None:
    code = LOADER_CODE + "print(sorted(name for name in ('boto3', 'botocore') if name in sys.modules))\n"
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"
