"""``sagemaker-hpo dry-run``: rehearse a synthesized tuning job on this machine before paying for it.

The job's own training program runs under the SageMaker container contract, its strategy and ranges drive an
Optuna study, and its metric definitions read the program's output, as SageMaker would.

Modules, one concern each:

- :mod:`.job`: the tuning job as typed values, read from its ``CreateHyperParameterTuningJob`` request.
- :mod:`.assembly`: reading a cloud assembly (``cdk.out``), synthesizing the app, selecting a job, finding its image.
- :mod:`.contract`: running the training program for one trial under the SageMaker container contract.
- :mod:`.metrics`: the metric definitions applied to log lines, and the once-per-epoch check.
- :mod:`.strategy`: the job's strategy and ranges mapped onto Optuna samplers, pruners and distributions.
- :mod:`.environment`: this machine's setup told apart from the job (imports the runner's interpreter cannot
  resolve, a hard-coded ``/opt/ml``).
- :mod:`.checks`: the checks before any search (regexes, range ends, budget, built-in algorithms).
- :mod:`.prices`: the shipped on-demand price table that turns the instance-hours ceiling into dollars.
- :mod:`.search`: the search itself: parallel trials, live pruning, stopped processes ended; with an epoch budget,
  a deterministic schedule decided by epochs.
- :mod:`.ranking`: what "best" means (SageMaker's final objective), defined once; the top configurations.
- :mod:`.report`: ``report.json``, ``plot.png`` and the console summary.
- :mod:`.compare`: experiment 1 side by side (``make reproduce``).
- :mod:`.stats`: exact medians with order-statistic intervals and paired win fractions for ``compare``.
- :mod:`.cli`: the ``sagemaker-hpo`` command.

Nothing here imports ``aws_cdk``; Optuna, matplotlib and rich (the ``dryrun`` extra) are imported only when used.
"""
