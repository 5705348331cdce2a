"""The data files the package ships (``sagemaker_hpo/data/*.json``): read through ``importlib.resources`` (the same in
a checkout, an editable install and a wheel), and written by the modules that generate them (``main()`` of
``rules.service_model``, ``rules.request_model`` and ``algorithms``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

#: The package the files ship in.
PACKAGE = "sagemaker_hpo"


def load_json(relative_path: str) -> Any:
    """The parsed JSON of the shipped file ``relative_path`` (e.g. ``data/builtin-algorithms.json``)."""
    return json.loads(resources.files(PACKAGE).joinpath(relative_path).read_text(encoding="utf-8"))


def write_text(relative_path: str, text: str) -> Path:
    """Write ``text`` to ``relative_path`` in the package's folder (in a checkout: ``constructs/sagemaker_hpo/``),
    say so on standard output, and return the path."""
    target = Path(str(resources.files(PACKAGE))) / relative_path
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return target
