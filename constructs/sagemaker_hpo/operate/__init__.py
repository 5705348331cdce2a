"""Following a deployed tuning job from the terminal: ``sagemaker-hpo status`` and ``sagemaker-hpo analytics``.

One module per concern: :mod:`.client` (boto3 clients with the project's one retry policy, errors as one line),
:mod:`.locate` (a job's name from a synthesized assembly and its deployed stack), :mod:`.fetch` (the tuning job, its
training jobs, paginated and described concurrently), :mod:`.summary` (the typed model of what the commands show),
:mod:`.render_text` and :mod:`.render_json` (terminal and JSON), :mod:`.plot` (objective against time),
:mod:`.analytics` (the CSV of every training job), :mod:`.watch` (refresh until the job ends) and :mod:`.cli`.

Nothing here imports ``aws_cdk``; boto3 is imported on first use, rich and matplotlib only when they draw.
"""
