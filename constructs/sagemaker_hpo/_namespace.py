"""A platform's name and SSM namespace, and the names of its images: the checks platforms and their imports share."""

from __future__ import annotations

from .rules import run_rules
from .rules.platform import ImageName, NamespaceChoice

#: The platform name used when none is given; its namespace is ``/sagemaker-hpo/default/``.
DEFAULT_PLATFORM_NAME = "default"
#: The name ``include_gpu_image=True`` publishes the packaged GPU training image under.
GPU_IMAGE_NAME = "gpu"


def default_namespace(name: str = DEFAULT_PLATFORM_NAME) -> str:
    """The namespace of the platform called ``name``: ``/sagemaker-hpo/<name>/``."""
    return f"/sagemaker-hpo/{name}/"


def resolve_namespace(path: str, name: str, namespace: str | None) -> str:
    """The namespace for a platform ``name`` (``namespace`` wins), validated; errors name ``path`` and the field.

    A namespace is an SSM parameter path known at synth time: ``/`` then 1 to 12 segments of letters, digits,
    ``_``, ``.`` and ``-``, each ending in ``/`` (a missing final ``/`` is added), at most 900 characters, not
    starting with ``/aws`` or ``/ssm`` (reserved by SSM): rules HPO-PLATFORM-001..005.
    """
    choice = NamespaceChoice(name, namespace)
    run_rules(choice, path=path)
    return choice.resolved


def check_image_name(path: str, name: str) -> None:
    """An image name: 1 to 64 letters, digits, ``_``, ``.`` or ``-``, known at synth time (HPO-PLATFORM-006)."""
    run_rules(ImageName(name), path=path)
