"""Facts that never change once an object exists, read from the CDK once per object.

A construct's path, its stack, its app (the tree's root), a stack's region, a role's ARN, a ``Duration`` in seconds
and a ``Size`` in GiB are each a jsii round trip to read (about 0.3 ms, several times that on a loaded machine). A tuning job asked
for them several times over (its rules, its binding, its guardrails), so a stack of 100 jobs paid hundreds of round
trips for the same answers. Each memo holds its answer by a weak reference to the object it is about: the answer
lives as long as the object, and no other object can find it.
"""

from __future__ import annotations

import weakref
from typing import Any

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


def node_of(construct: IConstruct) -> Node:
    """``construct.node``, read once."""
    node = _NODES.get(construct)
    if node is None:
        node = _NODES[construct] = construct.node
    return node


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, read once."""
    path = _PATHS.get(construct)
    if path is None:
        path = _PATHS[construct] = node_of(construct).path
    return path


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
    stack = _STACKS.get(construct)
    if stack is None:
        stack = _STACKS[construct] = Stack.of(construct)
    return stack


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Record that ``construct`` (just created under a scope of ``stack``) is in ``stack``: no need to ask."""
    _STACKS[construct] = stack


def root_of(construct: IConstruct) -> IConstruct:
    """``construct.node.root`` (the app), read once per stack."""
    stack = stack_of(construct)
    root = _ROOTS.get(stack)
    if root is None:
        root = _ROOTS[stack] = stack.node.root
    return root


def region_of(construct: IConstruct) -> str:
    """The region of ``construct``'s stack (a token in an environment-agnostic stack), read once per stack."""
    stack = stack_of(construct)
    region = _REGIONS.get(stack)
    if region is None:
        region = _REGIONS[stack] = stack.region
    return region


def role_arn_of(role: Any) -> str:
    """``role.role_arn``, read once per role object (a role shared by many jobs is asked once)."""
    arn = _ROLE_ARNS.get(role)
    if arn is None:
        arn = _ROLE_ARNS[role] = role.role_arn
    return arn


def seconds_of(duration: Duration) -> float:
    """``duration.to_seconds(integral=False)``, converted once per ``Duration`` object."""
    seconds = _SECONDS.get(duration)
    if seconds is None:
        seconds = _SECONDS[duration] = duration.to_seconds(integral=False)
    return seconds


def gibibytes_of(size: Size) -> float:
    """``size.to_gibibytes(rounding=NONE)``, converted once per ``Size`` object."""
    gibibytes = _GIBIBYTES.get(size)
    if gibibytes is None:
        gibibytes = _GIBIBYTES[size] = size.to_gibibytes(rounding=SizeRoundingBehavior.NONE)
    return gibibytes
