"""Owner tags the platform's teams put on their tuning jobs, and that the teams' providers' IAM policies require.

The handler of the ownership work tags every job with its owning stack and resource; this module holds the one key
the construct side sets: the team a job belongs to. A team's provider may create only jobs carrying its team's tag
(``aws:RequestTag``) and stop only jobs that carry it (``aws:ResourceTag``), so one team's provider cannot touch
another team's jobs, whatever a template asks of it.
"""

from __future__ import annotations

#: Every tag key the library sets itself starts with this; users cannot set such tags on a tuning job.
RESERVED_TAG_PREFIX = "sagemaker-hpo:"
#: The tag naming the platform team a tuning job belongs to (value: the team's name).
TEAM_TAG_KEY = f"{RESERVED_TAG_PREFIX}team"
