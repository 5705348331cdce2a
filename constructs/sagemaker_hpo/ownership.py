"""Owner tags the platform's teams put on their tuning jobs, and that the teams' providers' IAM policies require.

The handler tags every job with its owning stack and resource, and, for a team's provider, with the team (the key
below, from the handler contract). A team's provider may create only jobs carrying its team's tag
(``aws:RequestTag``) and stop only jobs that carry it (``aws:ResourceTag``), so one team's provider cannot touch
another team's jobs, whatever a template asks of it.
"""

from __future__ import annotations

from ._contract import contract

#: Every tag key the library sets itself starts with this; users cannot set such tags on a tuning job.
RESERVED_TAG_PREFIX = contract.OWNER_TAG_PREFIX
#: The tag naming the platform team a tuning job belongs to (value: the team's name); the handler of a team's
#: provider sets it on every job it creates.
TEAM_TAG_KEY = contract.OWNER_TAG_TEAM
