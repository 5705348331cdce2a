"""Lambda handler code of sagemaker-hpo-cdk, one package per function (standard library and boto3 only).

In the built distribution this folder is the package ``sagemaker_hpo.handlers`` (a ``package-dir`` mapping in
``pyproject.toml``); the constructs stage it as the functions' asset with ``importlib.resources``, so the asset is the
same in a checkout, an editable install and a wheel install. In Lambda the folder is the task root: a function's
handler is ``<package>.index.<function>``, e.g. ``tuning_job.index.on_event``.
"""
