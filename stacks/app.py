"""The default CDK app (``cdk.json`` runs it): ``make synth`` synthesizes it with no AWS account."""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python stacks/app.py` puts stacks/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

from stacks.app_builder import build_app  # noqa: E402

if __name__ == "__main__":
    app = build_app(cdk.App())
    app.synth()
