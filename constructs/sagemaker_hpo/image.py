"""Training images: SageMaker built-in algorithms, ECR repositories and local Docker builds."""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aws_cdk import Aws, CfnMapping, Fn, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._validation import ValidationError
from .objective import MetricDefinition

_DATA_DIR = Path(__file__).resolve().parent / "data"

#: Metrics the built-in XGBoost algorithm emits (``train:`` and ``validation:`` channels).
XGBOOST_METRICS = frozenset(
    f"{channel}:{metric}"
    for channel in ("train", "validation")
    for metric in (
        "accuracy", "auc", "aucpr", "cox-nloglik", "error", "f1", "gamma-deviance", "gamma-nloglik", "logloss",
        "mae", "map", "mape", "merror", "mlogloss", "mse", "ndcg", "poisson-nloglik", "rmse", "tweedie-nloglik",
    )
)  # fmt: skip


@dataclass(frozen=True)
class _BuiltinAlgorithm:
    repository: str
    registries: dict[str, str]
    versions: tuple[str, ...]
    metrics: frozenset[str]


@cache
def _builtin_algorithms() -> dict[str, _BuiltinAlgorithm]:
    facts = json.loads((_DATA_DIR / "xgboost-image-registries.json").read_text())
    return {
        "xgboost": _BuiltinAlgorithm(
            facts["repository"], dict(facts["registries"]), tuple(facts["versions"]), XGBOOST_METRICS
        )
    }


#: Built-in algorithm image URIs (tokens) by stack, then by (algorithm, version).
_BUILTIN_IMAGE_URIS: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class BoundImage:
    """What a ``TrainingImage`` contributes to a training definition once bound to a scope."""

    #: The image URI SageMaker pulls.
    image_uri: str
    #: Metrics the image defines itself (built-in algorithms), or ``None`` when it needs metric definitions.
    builtin_metrics: frozenset[str] | None


@dataclass(frozen=True)
class TrainingImage:
    """The container image training jobs run. Build it with one of the static factories.

    ``bind`` returns the image URI and grants the training role the pull access the image needs. The factories
    of custom images take ``metric_definitions`` (the regexes that read the program's metrics) and
    ``sample_log_lines`` (lines the program prints, on which each regex is tried at synth time). Default: none.
    """

    _kind: str
    _arg: Any
    _tag: str = "latest"
    #: Metric definitions the image's program is known to match (used when the job defines none itself).
    metric_definitions: tuple[MetricDefinition, ...] = field(default_factory=tuple)
    _asset_options: tuple[tuple[str, Any], ...] = ()
    #: Lines the image's program prints to its log (e.g. one epoch's metrics line): every metric definition's regex
    #: must read a number from one of them (rule HPO-METRIC-011). Empty when the image provides none.
    sample_log_lines: tuple[str, ...] = ()

    @staticmethod
    def builtin_algorithm(name: str, version: str) -> TrainingImage:
        """A SageMaker built-in algorithm image, e.g. ``builtin_algorithm("xgboost", "1.7-1")``.

        The registry account is looked up per region; in environment-agnostic stacks through a ``CfnMapping``.
        Built-in algorithms define their own metrics. SageMaker pulls these images itself: no ECR grant is added.
        """
        for label, value in (("name", name), ("version", version)):
            if not isinstance(value, str):
                raise ValidationError.wrong_type(
                    "TrainingImage.builtin_algorithm",
                    label,
                    value,
                    "a string (e.g. builtin_algorithm('xgboost', '1.7-1'))",
                )
        algorithms = _builtin_algorithms()
        key = name.lower()
        if key not in algorithms:
            raise ValueError(f"unknown built-in algorithm {name!r}; supported: {', '.join(sorted(algorithms))}")
        if version not in algorithms[key].versions:
            raise ValueError(f"unknown {key} version {version!r}; supported: {', '.join(algorithms[key].versions)}")
        return TrainingImage("builtin", key, version)

    @staticmethod
    def from_ecr_repository(
        repository: ecr.IRepository,
        tag: str = "latest",
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
    ) -> TrainingImage:
        """An image in an ECR repository; the training role is granted pull on that repository only."""
        if isinstance(repository, (str, type)) or not hasattr(repository, "repository_uri_for_tag"):
            raise ValidationError.wrong_type(
                "TrainingImage.from_ecr_repository",
                "repository",
                repository,
                "an ecr.IRepository (e.g. ecr.Repository.from_repository_name(...)); for a URI use from_image_uri",
            )
        return TrainingImage(
            "ecr", repository, tag, tuple(metric_definitions), sample_log_lines=tuple(sample_log_lines)
        )

    @staticmethod
    def from_asset(
        directory: str,
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
        **asset_options: Any,
    ) -> TrainingImage:
        """An image built by ``cdk deploy`` from a local folder with a Dockerfile (a ``DockerImageAsset``).

        ``asset_options`` are passed to ``DockerImageAsset`` (e.g. ``build_args``, ``platform``).
        """
        return TrainingImage(
            "asset",
            str(directory),
            "",
            tuple(metric_definitions),
            tuple(sorted(asset_options.items())),
            tuple(sample_log_lines),
        )

    @staticmethod
    def from_docker_image_asset(
        asset: ecr_assets.DockerImageAsset,
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
    ) -> TrainingImage:
        """An image from an existing ``DockerImageAsset``."""
        return TrainingImage(
            "docker_asset", asset, "", tuple(metric_definitions), sample_log_lines=tuple(sample_log_lines)
        )

    @staticmethod
    def from_image_uri(
        image_uri: str, *, metric_definitions: Sequence[MetricDefinition] = (), sample_log_lines: Sequence[str] = ()
    ) -> TrainingImage:
        """An image known only by its URI (e.g. published by ``HpoPlatform`` and read from SSM at deploy time).

        No pull permission is granted: the training role must already be allowed to pull it (``HpoPlatform``'s
        role is allowed to pull the platform's images).
        """
        return TrainingImage("uri", image_uri, "", tuple(metric_definitions), sample_log_lines=tuple(sample_log_lines))

    @property
    def is_builtin(self) -> bool:
        """True for SageMaker built-in algorithms, which define their own metrics."""
        return self._kind == "builtin"

    @property
    def builtin_name(self) -> str | None:
        """The built-in algorithm's name (``xgboost``); ``None`` for a custom image."""
        return str(self._arg) if self.is_builtin else None

    @property
    def builtin_metrics(self) -> frozenset[str] | None:
        """The metrics a built-in algorithm emits; ``None`` for a custom image (it needs metric definitions)."""
        return _builtin_algorithms()[self._arg].metrics if self.is_builtin else None

    def bind(self, scope: Construct, grantee: iam.IGrantable | None) -> BoundImage:
        """The image URI for a training definition in ``scope``; grants ``grantee`` pull access if it needs any."""
        if self._kind == "builtin":
            algorithm = _builtin_algorithms()[self._arg]
            # Every job of a stack gets the same URI token: look it up once per stack (each jsii call costs ~1 ms).
            uris = _BUILTIN_IMAGE_URIS.setdefault(Stack.of(scope), {})
            key = (self._arg, self._tag)
            if key not in uris:
                account = _registry_account(scope, self._arg, algorithm)
                # One Fn::Sub rather than an Fn::Join of six parts: every tuning job repeats this value, and the Sub
                # form is about 200 bytes shorter in the template (and easier to read).
                registry = ".dkr.ecr.${AWS::Region}.${AWS::URLSuffix}" + f"/{algorithm.repository}:{self._tag}"
                if Token.is_unresolved(account):
                    uris[key] = Fn.sub("${Account}" + registry, {"Account": account})
                else:
                    uris[key] = Fn.sub(account + registry)
            return BoundImage(uris[key], algorithm.metrics)
        if self._kind == "ecr":
            repository: ecr.IRepository = self._arg
            if grantee is not None:
                _grant_pull(grantee, repository)
            return BoundImage(repository.repository_uri_for_tag(self._tag), None)
        if self._kind == "uri":
            return BoundImage(self._arg, None)
        asset = self._arg if self._kind == "docker_asset" else _asset_for(scope, self._arg, dict(self._asset_options))
        if grantee is not None:
            _grant_pull(grantee, asset.repository)
        return BoundImage(asset.image_uri, None)


class TrainingImageSource(Protocol):
    """Anything with a ``training_image``, such as ``GpuTrainingImage``."""

    @property
    def training_image(self) -> TrainingImage:
        """The image for a training definition."""
        ...


def as_training_image(value: TrainingImage | TrainingImageSource) -> TrainingImage:
    """Accept a ``TrainingImage`` or a construct that offers one (e.g. ``GpuTrainingImage``)."""
    return value if isinstance(value, TrainingImage) else value.training_image


def _grant_pull(grantee: iam.IGrantable, repository: ecr.IRepository) -> None:
    from .role import TrainingRole

    if isinstance(grantee, TrainingRole):
        grantee.grant_pull_image(repository)
    else:
        repository.grant_pull(grantee)


def _asset_for(scope: Construct, directory: str, options: dict[str, Any]) -> ecr_assets.DockerImageAsset:
    """One ``DockerImageAsset`` per stack and folder, however many jobs use it."""
    stack = Stack.of(scope)
    digest = hashlib.sha256(_asset_key(directory, options).encode()).hexdigest()
    asset_id = f"SageMakerHpoImage{digest[:10]}"
    existing = stack.node.try_find_child(asset_id)
    if isinstance(existing, ecr_assets.DockerImageAsset):
        return existing
    options.setdefault("platform", ecr_assets.Platform.LINUX_AMD64)
    return ecr_assets.DockerImageAsset(stack, asset_id, directory=directory, **options)


def _asset_key(directory: str, options: dict[str, Any]) -> str:
    """A stable key for a folder and its build options (CDK objects by their public value, never their id)."""
    described = json.dumps(options, sort_keys=True, default=lambda o: getattr(o, "platform", type(o).__name__))
    return f"{Path(directory).resolve()}|{described}"


def _registry_account(scope: Construct, name: str, algorithm: _BuiltinAlgorithm) -> str:
    stack = Stack.of(scope)
    if not Token.is_unresolved(stack.region):
        account = algorithm.registries.get(stack.region)
        if account is None:
            raise ValueError(
                f"{scope.node.path}: training image: the built-in {name} algorithm is not available in region "
                f"{stack.region!r}; available in: {', '.join(sorted(algorithm.registries))}"
            )
        return account
    mapping_id = f"SageMakerHpo{name.capitalize()}Registries"
    mapping = stack.node.try_find_child(mapping_id)
    if not isinstance(mapping, CfnMapping):
        mapping = CfnMapping(
            stack,
            mapping_id,
            mapping={region: {"account": account} for region, account in sorted(algorithm.registries.items())},
        )
    return mapping.find_in_map(Aws.REGION, "account")
