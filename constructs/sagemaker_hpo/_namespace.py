"""A platform's name and SSM namespace, and the names of its images: the checks platforms and their imports share."""

from __future__ import annotations

import re

from aws_cdk import Token

from ._validation import ValidationError

#: The platform name used when none is given; its namespace is ``/sagemaker-hpo/default/``.
DEFAULT_PLATFORM_NAME = "default"
#: The name ``include_gpu_image=True`` publishes the packaged GPU training image under.
GPU_IMAGE_NAME = "gpu"

_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.\-]{1,64}$")
_NAMESPACE_PATTERN = re.compile(r"^/(?:[a-zA-Z0-9_.\-]+/){1,12}$")
_NAMESPACE_MAX_LENGTH = 900


def default_namespace(name: str = DEFAULT_PLATFORM_NAME) -> str:
    """The namespace of the platform called ``name``: ``/sagemaker-hpo/<name>/``."""
    return f"/sagemaker-hpo/{name}/"


def resolve_namespace(path: str, name: str, namespace: str | None) -> str:
    """The namespace for a platform ``name`` (``namespace`` wins), validated; errors name ``path`` and the field.

    A namespace is an SSM parameter path known at synth time: ``/`` then 1 to 12 segments of letters, digits,
    ``_``, ``.`` and ``-``, each ending in ``/`` (a missing final ``/`` is added), at most 900 characters, not
    starting with ``/aws`` or ``/ssm`` (reserved by SSM).
    """
    if namespace is None:
        if Token.is_unresolved(name) or not _NAME_PATTERN.match(name):
            raise ValidationError(path, "name", name, "must be 1 to 64 letters, digits, '_', '.' or '-'")
        namespace = default_namespace(name)
    if Token.is_unresolved(namespace):
        raise ValidationError(path, "namespace", namespace, "must be known at synth time (not a token)")
    if not namespace.endswith("/"):
        namespace = f"{namespace}/"
    if not _NAMESPACE_PATTERN.match(namespace):
        raise ValidationError(
            path,
            "namespace",
            namespace,
            "must look like /team/platform/: 1 to 12 segments of letters, digits, '_', '.' or '-', each followed by /",
        )
    if namespace.lower().startswith(("/aws", "/ssm")):
        raise ValidationError(path, "namespace", namespace, "must not start with /aws or /ssm (reserved by SSM)")
    if len(namespace) > _NAMESPACE_MAX_LENGTH:
        raise ValidationError(path, "namespace", namespace, f"must be at most {_NAMESPACE_MAX_LENGTH} characters")
    return namespace


def check_image_name(path: str, name: str) -> None:
    """An image name: 1 to 64 letters, digits, ``_``, ``.`` or ``-``, known at synth time."""
    if Token.is_unresolved(name) or not _NAME_PATTERN.match(name):
        raise ValidationError(path, "images name", name, "must be 1 to 64 letters, digits, '_', '.' or '-'")
