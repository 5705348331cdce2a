"""The rules of ``sagemaker_hpo.rules.job`` (HPO-JOB): their cases, keyed by rule id, each run as a tuning job at synth
time (``tests/rules/cases.py``)."""

from __future__ import annotations

import aws_cdk as cdk

from sagemaker_hpo import CategoricalRange, CompletionCriteria, GridSearch, RandomSearch
from tests.construct_support import training
from tests.rules.builders import (
    custom_image_job,
    imported_provider,
    imported_role,
    imports_platform,
    platform_team,
    team_job,
)
from tests.rules.cases import Overrides, accepts, rejects, warns

FAILING: list[tuple[str, Overrides, str]] = [
    # job
    (
        "HPO-JOB-001:pattern",
        lambda s: {"tuning_job_name": "bad_name!"},
        r"tuning_job_name: 'bad_name!'.*letters, digits",
    ),
    ("HPO-JOB-001:length", lambda s: {"tuning_job_name": "a" * 33}, r"tuning_job_name.*1 to 32"),
    ("HPO-JOB-001:leading-hyphen", lambda s: {"tuning_job_name": "-job"}, r"tuning_job_name"),
    (
        "HPO-JOB-002",
        lambda s: {"strategy": RandomSearch(), "max_jobs": None},
        r"max_jobs: None.*required with the Random",
    ),
    (
        "HPO-JOB-003",
        lambda s: {"strategy": RandomSearch(), "max_jobs": 10**12},
        r"max_jobs: 1000000000000.*<= 2147483647",
    ),
    ("HPO-JOB-004:zero", lambda s: {"max_parallel_jobs": 0}, r"max_parallel_jobs: 0.*>= 1"),
    (
        "HPO-JOB-004:over-max-jobs",
        lambda s: {"max_jobs": 4, "max_parallel_jobs": 5},
        r"max_parallel_jobs: 5.*at most max_jobs \(4\)",
    ),
    ("HPO-JOB-006:short", lambda s: {"max_runtime": cdk.Duration.seconds(60)}, r"max_runtime \(seconds\): 60.*>= 120"),
    (
        "HPO-JOB-006:long",
        lambda s: {"max_runtime": cdk.Duration.seconds(15_768_001)},
        r"max_runtime \(seconds\): 15768001.*<= 15768000",
    ),
    (
        "HPO-JOB-007:no-runtime",
        lambda s: {"wait_for_completion": True},
        r"max_runtime: None.*wait_for_completion needs",
    ),
    (
        "HPO-JOB-007:ceiling",
        lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.hours(12)},
        r"max_runtime: '43200 seconds'.*at most 42300 seconds \(11 h 45 min\).*at most 12 hours",
    ),
    (
        "HPO-JOB-007:just-over",
        lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.seconds(42_301)},
        r"max_runtime: '42301 seconds'.*at most 42300 seconds",
    ),
    ("HPO-JOB-008:huge", lambda s: {"random_seed": 2**40}, r"random_seed: 1099511627776.*<= 2147483647"),
    ("HPO-JOB-008:negative", lambda s: {"random_seed": -1}, r"random_seed: -1.*>= 0"),
    (
        "HPO-JOB-009",
        lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=2)},
        r"completion_criteria.max_jobs_not_improving: 2.*>= 3",
    ),
    (
        "HPO-JOB-010",
        lambda s: {"completion_criteria": CompletionCriteria(target_objective_value=float("nan"))},
        r"completion_criteria.target_objective_value.*finite number",
    ),
    ("HPO-JOB-011", lambda s: {"tags": {f"k{i}": "v" for i in range(45)}}, r"tags: '45 entries'.*0 to 44"),
    ("HPO-JOB-012:pattern", lambda s: {"tags": {"a*b": "v"}}, r"tags key: 'a\*b'; may contain only"),
    ("HPO-JOB-012:length", lambda s: {"tags": {"k" * 129: "v"}}, r"tags key.*1 to 128"),
    ("HPO-JOB-012:aws", lambda s: {"tags": {"aws:team": "v"}}, r"tags key: 'aws:team'.*reserved"),
    (
        "HPO-JOB-012:owner",
        lambda s: {"tags": {"Sagemaker-HPO:stack-id": "v"}},
        r"tags key: 'Sagemaker-HPO:stack-id'.*reserved for the owner tags the handler sets",
    ),
    (
        "HPO-JOB-016",
        lambda s: imports_platform(s, {}),
        r"invalid provider: None; this stack imports the platform Rules/Platform: pass provider=<platform>.provider",
    ),
    (
        "HPO-JOB-017",
        lambda s: {"training": training(role=platform_team(s).training_role)},
        r"invalid provider: \"this stack's provider\"; the training role belongs to the team 'vision'",
    ),
    (
        "HPO-JOB-018",
        lambda s: team_job(s, tuning_job_name="my-job"),
        r"invalid tuning_job_name: 'my-job'; the team 'vision''s provider may only manage jobs named vision[0-9a-f]{4}-",
    ),
    ("HPO-JOB-013:length", lambda s: {"tags": {"k": "v" * 257}}, r"tags\['k'\].*0 to 256"),
    ("HPO-JOB-013:pattern", lambda s: {"tags": {"k": "a;b"}}, r"tags\['k'\]: 'a;b'; may contain only"),
    (
        "HPO-JOB-014",
        lambda s: {"provider": imported_provider()},
        r"training.role: 'Rules/Tuning/TrainingRole'; a role created in this app cannot be used with an imported",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-JOB-001", lambda s: {"tuning_job_name": "My-Job-1" + "a" * 24}),
    (
        "HPO-JOB-002",
        lambda s: {
            **custom_image_job(s),
            "strategy": GridSearch(),
            "max_jobs": None,
            "parameter_ranges": [CategoricalRange("a", [1, 2, 3, 4, 5])],
        },
    ),
    ("HPO-JOB-003", lambda s: {"strategy": RandomSearch(), "max_jobs": 2**31 - 1}),
    ("HPO-JOB-004", lambda s: {"max_jobs": 5, "max_parallel_jobs": 5}),
    ("HPO-JOB-005", lambda s: {"max_jobs": 40, "max_parallel_jobs": 10}),
    ("HPO-JOB-006", lambda s: {"max_runtime": cdk.Duration.seconds(15_768_000)}),
    ("HPO-JOB-006:minimum", lambda s: {"max_runtime": cdk.Duration.seconds(120)}),
    ("HPO-JOB-007", lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.minutes(45)}),
    ("HPO-JOB-007:hours", lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.seconds(42_300)}),
    ("HPO-JOB-008", lambda s: {"random_seed": 2**31 - 1}),
    ("HPO-JOB-009", lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=3)}),
    ("HPO-JOB-010", lambda s: {"completion_criteria": CompletionCriteria(target_objective_value=0.9)}),
    ("HPO-JOB-011", lambda s: {"tags": {f"k{i}": "v" for i in range(44)}}),
    ("HPO-JOB-016", lambda s: {}),
    ("HPO-JOB-017", lambda s: team_job(s)),
    ("HPO-JOB-018", lambda s: team_job(s, tuning_job_name=f"{platform_team(s).name_prefix}-job")),
    ("HPO-JOB-012", lambda s: {"tags": {"team name:a_b/c=d+e-f@g é1": "v"}}),
    ("HPO-JOB-013", lambda s: {"tags": {"k": "v" * 256, "j": "a b:c/d=e+f-g@h_i.j"}}),
    ("HPO-JOB-014", lambda s: {"provider": imported_provider(), "training": training(role=imported_role(s))}),
    (
        "HPO-JOB-015",
        lambda s: {
            "provider": imported_provider("team"),
            "tuning_job_name": "team-fixed-name",
            "training": training(role=imported_role(s)),
        },
    ),
]
WARNS: list[tuple[str, Overrides, str]] = [
    ("HPO-JOB-005", lambda s: {"max_jobs": 40, "max_parallel_jobs": 11}, "exceeds the default quota of 10"),
    (
        "HPO-JOB-015",
        lambda s: {
            "tuning_job_name": "fixed-name",
            "training": training(role=imported_role(s)),
            "provider": imported_provider(),
        },
        "may only manage jobs named with its own prefix",
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
