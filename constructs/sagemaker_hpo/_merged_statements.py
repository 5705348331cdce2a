"""A role's grants as few policy statements: grants of the same actions share one statement and list its resources.

Many tuning jobs on one role, each on its own prefixes, would otherwise add two statements per prefix (objects and
``s3:ListBucket``). ``MergedStatements`` keeps one statement per action set and bucket whose resources list the
prefixes' object ARNs, and one ``s3:ListBucket`` statement per bucket whose ``s3:prefix`` condition lists the
prefixes. The permissions are exactly the union of the separate statements: each resource is allowed the same
actions, and each bucket is listable under the same prefixes. A statement the CDK has already frozen (its policy was
rendered) is left as it is; the next grant of the kind starts a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam

#: The action that lists a bucket's keys.
LIST_BUCKET = "s3:ListBucket"


class MergedStatements:
    """Statements added to a role through ``add``, merged by action set (and condition) as they are granted.

    :param add: adds a new statement to the role (``Role.add_to_policy`` or ``IRole.add_to_principal_policy``).
    """

    def __init__(self, add: Callable[[iam.PolicyStatement], object]) -> None:
        self._add = add
        self._statements: dict[Hashable, iam.PolicyStatement] = {}
        #: Everything granted, by kind of statement.
        self._granted: dict[Hashable, set[str]] = {}
        #: What the kind's current statement holds, in order.
        self._current: dict[Hashable, list[str]] = {}

    def allow(
        self,
        actions: Sequence[str],
        resource: str,
        *,
        group: Hashable = None,
        conditions: Mapping[str, Any] | None = None,
        sid: str | None = None,
    ) -> bool:
        """Allow ``actions`` on ``resource``; ``False`` when it already was.

        :param actions: the actions.
        :param resource: one resource ARN (or pattern).
        :param group: what else must be equal for two grants to share a statement (e.g. the bucket). Default: only
            the actions.
        :param conditions: the statement's conditions; grants with conditions must give a ``group`` naming them.
            Default: none.
        :param sid: the statement's id. Default: none.
        """
        key = ("allow", tuple(actions), group)

        def create() -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid=sid,
                actions=list(actions),
                resources=[resource],
                conditions=dict(conditions) if conditions else None,
            )

        return self._merge(key, resource, create, lambda statement: statement.add_resources(resource))

    def allow_list(self, bucket_arn: str, key_prefix: str) -> bool:
        """``s3:ListBucket`` on ``bucket_arn`` for keys under ``key_prefix`` (all keys for ``""``); ``False`` when
        it already was."""
        if not key_prefix:
            return self.allow([LIST_BUCKET], bucket_arn)
        key = ("list", bucket_arn)
        prefix = f"{key_prefix}*"

        def create() -> iam.PolicyStatement:
            statement = iam.PolicyStatement(actions=[LIST_BUCKET], resources=[bucket_arn])
            statement.add_condition("StringLike", {"s3:prefix": [prefix]})
            return statement

        def extend(statement: iam.PolicyStatement) -> None:
            # ``add_condition`` replaces the values of a key it already has: give it every prefix so far.
            statement.add_condition("StringLike", {"s3:prefix": [*self._current[key], prefix]})

        return self._merge(key, prefix, create, extend)

    def once(self, statement_key: str, statement: Callable[[], iam.PolicyStatement]) -> bool:
        """Add the statement ``statement()`` the first time ``statement_key`` is seen; ``False`` after that."""
        key = ("once", statement_key)
        if key in self._granted:
            return False
        self._granted[key] = set()
        self._add(statement())
        return True

    def _merge(
        self,
        key: Hashable,
        item: str,
        create: Callable[[], iam.PolicyStatement],
        extend: Callable[[iam.PolicyStatement], None],
    ) -> bool:
        granted = self._granted.setdefault(key, set())
        if item in granted:
            return False
        statement = self._statements.get(key)
        if statement is not None:
            try:
                extend(statement)
            except RuntimeError:  # the jsii kernel's error for any failed call
                if not statement.frozen:
                    raise
                statement = None  # its policy was rendered already (and froze it): start a new statement
        if statement is None:
            statement = create()
            self._add(statement)
            self._statements[key] = statement
            self._current[key] = []
        granted.add(item)
        self._current[key].append(item)
        return True
