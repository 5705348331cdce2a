"""Facts that never change once an object exists, read from the CDK once per object.

A construct's path, its stack, its app (the tree's root), a stack's region, a role's ARN, a ``Duration`` in seconds
and a ``Size`` in GiB are each a jsii round trip to read (about 0.3 ms, several times that on a loaded machine). A
tuning job asked for them several times over (its rules, its binding, its guardrails), so a stack of 100 jobs paid
hundreds of round trips for the same answers. Each memo holds its answer by a weak reference to the object it is about: the answer
lives as long as the object, and no other object can find it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from aws_cdk import Duration, Size, SizeRoundingBehavior, Stack
from constructs import IConstruct, Node

_NODES: weakref.WeakKeyDictionary[Any, Node] = weakref.WeakKeyDictionary()
_PATHS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_STACKS: weakref.WeakKeyDictionary[Any, Stack] = weakref.WeakKeyDictionary()
_ROOTS: weakref.WeakKeyDictionary[Any, IConstruct] = weakref.WeakKeyDictionary()
_REGIONS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_SECONDS: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_ROLE_ARNS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_GIBIBYTES: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_CHILDREN: weakref.WeakKeyDictionary[Any, dict[str, IConstruct]] = weakref.WeakKeyDictionary()

_T = TypeVar("_T")


def _remembered(memo: weakref.WeakKeyDictionary[Any, _T], about: Any, read: Callable[[], _T]) -> _T:
    """The answer ``memo`` holds for ``about``, read (and remembered) the first time."""
    answer = memo.get(about)
    if answer is None:
        answer = memo[about] = read()
    return answer


def node_of(construct: IConstruct) -> Node:
    """``construct.node``, read once."""
    return _remembered(_NODES, construct, lambda: construct.node)


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, read once."""
    return _remembered(_PATHS, construct, lambda: node_of(construct).path)


def find_child(scope: IConstruct, construct_id: str) -> IConstruct | None:
    """``scope.node.try_find_child(construct_id)``, remembered once found (a child keeps its id); not found is
    asked again, since the child may be added later."""
    children = _CHILDREN.setdefault(scope, {})
    child = children.get(construct_id)
    if child is None:
        child = node_of(scope).try_find_child(construct_id)
        if child is not None:
            children[construct_id] = child
    return child


def remember_child(child: IConstruct, scope: IConstruct, construct_id: str) -> None:
    """Record the path of ``child``, just created as ``construct_id`` in ``scope``: no need to ask for it.

    A path joins the ids of the scopes below the root with ``/``; an id holding a ``/`` (which the CDK rewrites) is
    left to ``path_of`` to ask.
    """
    if "/" not in construct_id:
        parent = path_of(scope)
        _PATHS[child] = f"{parent}/{construct_id}" if parent else construct_id


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``, read once (a stack is its own)."""
    if isinstance(construct, Stack):
        return construct
    return _remembered(_STACKS, construct, lambda: Stack.of(construct))


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Record that ``construct`` (just created under a scope of ``stack``) is in ``stack``: no need to ask."""
    _STACKS[construct] = stack


def root_of(construct: IConstruct) -> IConstruct:
    """``construct.node.root`` (the app), read once per stack."""
    stack = stack_of(construct)
    return _remembered(_ROOTS, stack, lambda: stack.node.root)


def region_of(construct: IConstruct) -> str:
    """The region of ``construct``'s stack (a token in an environment-agnostic stack), read once per stack."""
    stack = stack_of(construct)
    return _remembered(_REGIONS, stack, lambda: stack.region)


def role_arn_of(role: Any) -> str:
    """``role.role_arn``, read once per role object (a role shared by many jobs is asked once)."""
    return _remembered(_ROLE_ARNS, role, lambda: role.role_arn)


def seconds_of(duration: Duration) -> float:
    """``duration.to_seconds(integral=False)``, converted once per ``Duration`` object."""
    return _remembered(_SECONDS, duration, lambda: duration.to_seconds(integral=False))


def gibibytes_of(size: Size) -> float:
    """``size.to_gibibytes(rounding=NONE)``, converted once per ``Size`` object."""
    return _remembered(_GIBIBYTES, size, lambda: size.to_gibibytes(rounding=SizeRoundingBehavior.NONE))
