"""``python -m sagemaker_hpo``: the ``sagemaker-hpo`` command (``dry-run``, ``compare``)."""

from __future__ import annotations

import sys

from sagemaker_hpo.dryrun.cli import main

if __name__ == "__main__":
    sys.exit(main())
