"""Training images: SageMaker built-in algorithms, ECR repositories and local Docker builds."""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aws_cdk import Aws, CfnMapping, Fn, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._tree import path_of, region_of, stack_of
from .algorithms import load_builtin_data
from .grants import RoleBinding
from .objective import MetricDefinition
from .rules import run_rules
from .rules.images import BuiltinAlgorithmChoice
from .rules.types import FactoryArgument


@dataclass(frozen=True)
class _ImageGroup:
    """Versions of a built-in algorithm published in one repository of the same registry accounts."""

    repository: str
    versions: tuple[str, ...]
    registries: dict[str, str]


@dataclass(frozen=True)
class _BuiltinAlgorithm:
    images: tuple[_ImageGroup, ...]
    metrics: frozenset[str]

    @property
    def versions(self) -> tuple[str, ...]:
        """Every published version, oldest repository first."""
        return tuple(v for group in self.images for v in group.versions)

    def image(self, version: str) -> _ImageGroup:
        """The repository and registries of ``version`` (the newest group for an unknown one: HPO-IMAGE-002)."""
        return next((g for g in self.images if version in g.versions), self.images[-1])


@cache
def _builtin_algorithms() -> dict[str, _BuiltinAlgorithm]:
    found = {}
    for name, algorithm in load_builtin_data()["algorithms"].items():
        groups = tuple(
            _ImageGroup(g["repository"], tuple(g["versions"]), dict(g["registries"])) for g in algorithm["images"]
        )
        found[name] = _BuiltinAlgorithm(groups, frozenset(algorithm["metrics"]))
    return found


@cache
def jumpstart_algorithms() -> dict[str, dict[str, Any]]:
    """SageMaker's JumpStart-based built-in algorithms by name: each metric's direction and documented regex."""
    algorithms: dict[str, dict[str, Any]] = load_builtin_data()["jumpstart"]["algorithms"]
    return algorithms


def untunable_algorithms() -> dict[str, str]:
    """Built-in algorithms that document no tuning metrics, with the reason a tuning job of theirs is refused."""
    untunable: dict[str, str] = load_builtin_data()["untunable"]
    return untunable


#: Built-in algorithm image URIs (tokens) by stack, then by (algorithm, version).
_BUILTIN_IMAGE_URIS: weakref.WeakKeyDictionary[Stack, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class BoundImage:
    """What a ``TrainingImage`` contributes to a training definition once bound to a scope."""

    #: The image URI SageMaker pulls.
    image_uri: str
    #: Metrics the image defines itself (built-in algorithms), or ``None`` when it needs metric definitions.
    builtin_metrics: frozenset[str] | None
    #: An algorithm resource's name or ARN (``AlgorithmName`` instead of ``TrainingImage``), else ``None``.
    algorithm_name: str | None = None


class _ImageKind:
    """One kind of training image: what it renders and what it grants the job's role (``RoleBinding``)."""

    builtin = False

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _BuiltinImage(_ImageKind):
    """A SageMaker built-in algorithm: SageMaker pulls it itself, nothing is granted."""

    name: str
    version: str
    builtin = True

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:
        stack = stack_of(scope)
        run_rules(BuiltinAlgorithmChoice(self.name, self.version, region_of(stack)), path=path_of(scope))
        algorithm = _builtin_algorithms()[self.name]
        # Every job of a stack gets the same URI token: look it up once per stack (each jsii call costs ~1 ms).
        uris = _BUILTIN_IMAGE_URIS.setdefault(stack, {})
        key = (self.name, self.version)
        if key not in uris:
            image = algorithm.image(self.version)
            account = _registry_account(scope, self.name, image, latest=image is algorithm.images[-1])
            # One Fn::Sub rather than an Fn::Join of six parts: every tuning job repeats this value, and the Sub
            # form is about 200 bytes shorter in the template (and easier to read).
            registry = ".dkr.ecr.${AWS::Region}.${AWS::URLSuffix}" + f"/{image.repository}:{self.version}"
            if Token.is_unresolved(account):
                uris[key] = Fn.sub("${Account}" + registry, {"Account": account})
            else:
                uris[key] = Fn.sub(account + registry)
        return BoundImage(uris[key], algorithm.metrics)


@dataclass(frozen=True)
class _AlgorithmResource(_ImageKind):
    """A SageMaker algorithm resource (your own, or an AWS Marketplace subscription): SageMaker runs its image."""

    name: str
    metric_names: frozenset[str]
    builtin = True

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:
        return BoundImage("", self.metric_names, self.name)


@dataclass(frozen=True)
class _EcrImage(_ImageKind):
    """An image in an ECR repository: the role is granted pull on that repository."""

    repository: ecr.IRepository
    tag: str

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:
        if binding is not None:
            binding.pull(self.repository, IMAGE_FIELD)
        return BoundImage(self.repository.repository_uri_for_tag(self.tag), None)


@dataclass(frozen=True)
class _UriImage(_ImageKind):
    """An image known by its URI: a literal ECR URI's repository is granted; a platform's image is already granted."""

    uri: str
    granted_by_platform: bool

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:
        if binding is not None:
            binding.pull_uri(self.uri, IMAGE_FIELD, granted_by_platform=self.granted_by_platform)
        return BoundImage(self.uri, None)


@dataclass(frozen=True)
class _JumpStartImage(_UriImage):
    """A JumpStart-based built-in algorithm: its framework image given by URI (granted like ``_UriImage``)."""

    name: str = ""


@dataclass(frozen=True)
class _AssetImage(_ImageKind):
    """A Docker image asset (built by ``cdk deploy``), from a folder or an existing ``DockerImageAsset``.

    Assets live in the account's CDK assets repository: a team's role is never granted pull on it (an error).
    """

    directory: str | None
    options: tuple[tuple[str, Any], ...] = ()
    asset: ecr_assets.DockerImageAsset | None = None

    def bind(self, scope: Construct, binding: RoleBinding | None) -> BoundImage:
        asset = self.asset
        if asset is None:
            assert self.directory is not None  # a programming error: the factories set a directory or an asset
            asset = _asset_for(scope, self.directory, dict(self.options))
        if binding is not None:
            binding.pull_asset(asset.repository, IMAGE_FIELD)
        return BoundImage(asset.image_uri, None)


#: The field name errors and warnings about the image use.
IMAGE_FIELD = "training.image"


@dataclass(frozen=True)
class TrainingImage:
    """The container image training jobs run. Build it with one of the static factories.

    ``bind`` returns the image URI and binds the image to the job's role: it grants the pull access the image needs
    when the role can be changed, and says so (an error for a platform's role, a warning otherwise) when it cannot.
    The factories of custom images take ``metric_definitions`` (the regexes that read the program's metrics) and
    ``sample_log_lines`` (lines the program prints, on which each regex is tried at synth time). Default: none.

    :param metric_definitions: the metric definitions the image's program is known to match (used when the job
        defines none itself). Default: none.
    :param sample_log_lines: lines the image's program prints (rule HPO-METRIC-011 tries each regex on them).
        Default: none.
    """

    _kind: _ImageKind
    #: Metric definitions the image's program is known to match (used when the job defines none itself).
    metric_definitions: tuple[MetricDefinition, ...] = field(default_factory=tuple)
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
            expected = "a string (e.g. builtin_algorithm('xgboost', '1.7-1'))"
            argument = FactoryArgument(label, value, expected, isinstance(value, str))
            run_rules(argument, path="TrainingImage.builtin_algorithm")  # HPO-TYPE-004
        return TrainingImage(_BuiltinImage(name.lower(), version))

    @staticmethod
    def jumpstart_algorithm(
        name: str,
        image_uri: str,
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
    ) -> TrainingImage:
        """A JumpStart-based built-in algorithm (``lightgbm``, ``catboost``, ``tabtransformer``,
        ``image-classification-tensorflow``, ``object-detection-tensorflow``) run from its training image.

        JumpStart resolves that image at run time from the model's specification (a PyTorch, TensorFlow or other
        framework container, e.g. what ``sagemaker.image_uris.retrieve(model_id=..., model_version=...,
        image_scope="training", ...)`` returns): the library cannot name it offline, so pass its URI. The training
        script and pre-trained model JumpStart adds (``sagemaker_program``/``sagemaker_submit_directory``
        hyperparameters, a ``model`` channel) are the job's to pass too. SageMaker reads the metrics of such an image
        through metric definitions: the ones the algorithm's tuning page documents (name and regex) are added, and the
        objective must be one of its documented metrics (rule HPO-METRIC-013).

        :param name: the algorithm (rule HPO-IMAGE-003).
        :param image_uri: its training image's URI (pull is granted as for ``from_image_uri``).
        :param metric_definitions: more metric definitions, or ones that replace a documented one by name (required
            for ``image-classification-tensorflow``, whose page gives no regex). Default: the documented ones only.
        :param sample_log_lines: lines the training script prints (rule HPO-METRIC-011). Default: none.
        """
        for label, value in (("name", name), ("image_uri", image_uri)):
            argument = FactoryArgument(label, value, "a string", isinstance(value, str))
            run_rules(argument, path="TrainingImage.jumpstart_algorithm")  # HPO-TYPE-004
        documented = jumpstart_algorithms().get(name.lower(), {}).get("metrics", {})
        given = {m.name for m in metric_definitions}
        definitions = [
            MetricDefinition(metric, fact["regex"])
            for metric, fact in documented.items()
            if fact["regex"] is not None and metric not in given
        ]
        return TrainingImage(
            _JumpStartImage(image_uri, False, name.lower()),
            (*definitions, *metric_definitions),
            tuple(sample_log_lines),
        )

    @staticmethod
    def from_algorithm(name: str, *, metric_names: Sequence[str]) -> TrainingImage:
        """A SageMaker algorithm resource, yours or an AWS Marketplace subscription, by name or ARN
        (``AlgorithmName``): SageMaker runs its image and reads its metrics, so no metric definitions are given.

        :param name: the algorithm's name or ARN (rule HPO-INST-007).
        :param metric_names: the metrics the algorithm supports as tuning objectives (``DescribeAlgorithm``'s
            ``TrainingSpecification.SupportedTuningJobObjectiveMetrics``); the objective is checked against them.
        """
        names_ok = not isinstance(metric_names, str) and all(isinstance(m, str) for m in metric_names)
        for argument in (
            FactoryArgument("name", name, "a string", isinstance(name, str)),
            FactoryArgument("metric_names", metric_names, "a list of str", names_ok),
        ):
            run_rules(argument, path="TrainingImage.from_algorithm")  # HPO-TYPE-004
        return TrainingImage(_AlgorithmResource(name, frozenset(metric_names)))

    @staticmethod
    def from_ecr_repository(
        repository: ecr.IRepository,
        tag: str = "latest",
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
    ) -> TrainingImage:
        """An image in an ECR repository; the training role is granted pull on that repository only."""
        accepted = not isinstance(repository, (str, type)) and hasattr(repository, "repository_uri_for_tag")
        expected = "an ecr.IRepository (e.g. ecr.Repository.from_repository_name(...)); for a URI use from_image_uri"
        run_rules(FactoryArgument("repository", repository, expected, accepted),
                  path="TrainingImage.from_ecr_repository")  # fmt: skip
        return TrainingImage(_EcrImage(repository, tag), tuple(metric_definitions), tuple(sample_log_lines))

    @staticmethod
    def from_asset(
        directory: str,
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
        **asset_options: Any,
    ) -> TrainingImage:
        """An image built by ``cdk deploy`` from a local folder with a Dockerfile (a ``DockerImageAsset``).

        ``asset_options`` are passed to ``DockerImageAsset`` (e.g. ``build_args``, ``platform``). The image is pushed
        to the account's CDK assets repository: a job's own role is granted pull on it, a team's role never is
        (synth error naming the fix).
        """
        return TrainingImage(
            _AssetImage(str(directory), tuple(sorted(asset_options.items()))),
            tuple(metric_definitions),
            tuple(sample_log_lines),
        )

    @staticmethod
    def from_docker_image_asset(
        asset: ecr_assets.DockerImageAsset,
        *,
        metric_definitions: Sequence[MetricDefinition] = (),
        sample_log_lines: Sequence[str] = (),
    ) -> TrainingImage:
        """An image from an existing ``DockerImageAsset`` (in the CDK assets repository, like ``from_asset``)."""
        return TrainingImage(_AssetImage(None, (), asset), tuple(metric_definitions), tuple(sample_log_lines))

    @staticmethod
    def from_image_uri(
        image_uri: str, *, metric_definitions: Sequence[MetricDefinition] = (), sample_log_lines: Sequence[str] = ()
    ) -> TrainingImage:
        """An image known only by its URI.

        A literal private ECR URI (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>``) grants pull on
        that repository; for any other URI nothing can be granted and the warning
        ``sagemaker-hpo:ImageUriNotGranted`` says so. A platform's images come from ``platform.training_image``.
        """
        return TrainingImage(_UriImage(image_uri, False), tuple(metric_definitions), tuple(sample_log_lines))

    @staticmethod
    def _platform_image(
        image_uri: str, metric_definitions: Sequence[MetricDefinition], sample_log_lines: Sequence[str] = ()
    ) -> TrainingImage:
        """An image a platform published and granted its role (or team's role) pull on."""
        return TrainingImage(_UriImage(image_uri, True), tuple(metric_definitions), tuple(sample_log_lines))

    @property
    def is_builtin(self) -> bool:
        """True for SageMaker built-in algorithms, which define their own metrics."""
        return self._kind.builtin

    @property
    def builtin_name(self) -> str | None:
        """The built-in algorithm's name (``xgboost``); ``None`` for a custom image."""
        return self._kind.name if isinstance(self._kind, _BuiltinImage) else None

    @property
    def jumpstart_name(self) -> str | None:
        """The JumpStart-based built-in algorithm's name (``lightgbm``); ``None`` for any other image."""
        return self._kind.name if isinstance(self._kind, _JumpStartImage) else None

    @property
    def algorithm_name(self) -> str | None:
        """An algorithm resource's name or ARN (``from_algorithm``); ``None`` for an image."""
        return self._kind.name if isinstance(self._kind, _AlgorithmResource) else None

    @property
    def builtin_metrics(self) -> frozenset[str] | None:
        """The metrics a built-in algorithm (or an algorithm resource) emits; ``None`` for a custom image (it needs
        metric definitions)."""
        if isinstance(self._kind, _AlgorithmResource):
            return self._kind.metric_names
        name = self.builtin_name
        if name is None:
            return None
        algorithm = _builtin_algorithms().get(name)  # an unknown name fails HPO-IMAGE-001 when the image is bound
        return frozenset() if algorithm is None else algorithm.metrics

    def bind(self, scope: Construct, role: iam.IRole | RoleBinding | None) -> BoundImage:
        """The image URI for a training definition in ``scope``; binds the image to ``role`` (see the class docs)."""
        binding = role if isinstance(role, RoleBinding) or role is None else RoleBinding.of(scope, role)
        return self._kind.bind(scope, binding)


class TrainingImageSource(Protocol):
    """Anything with a ``training_image``, such as ``GpuTrainingImage``."""

    @property
    def training_image(self) -> TrainingImage:
        """The image for a training definition."""
        ...


def as_training_image(value: TrainingImage | TrainingImageSource) -> TrainingImage:
    """Accept a ``TrainingImage`` or a construct that offers one (e.g. ``GpuTrainingImage``)."""
    return value if isinstance(value, TrainingImage) else value.training_image


def bind_images(
    scope: Construct, sources: Mapping[str, TrainingImage | TrainingImageSource], role: iam.IRole
) -> tuple[dict[str, TrainingImage], dict[str, str]]:
    """Bind a platform's (or a team's) images by name to its role: the images and their URIs, by name (sorted).

    :param scope: the platform or team.
    :param sources: the images by name (``TrainingImage`` or a construct offering one, e.g. ``GpuTrainingImage``).
    :param role: the role the images are granted to (pull on their repositories).
    """
    images: dict[str, TrainingImage] = {}
    uris: dict[str, str] = {}
    for name, source in sorted(sources.items()):
        image = as_training_image(source)
        images[name] = image
        uris[name] = image.bind(scope, role).image_uri
    return images, uris


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


def _registry_account(scope: Construct, name: str, image: _ImageGroup, *, latest: bool) -> str:
    """The registry account of ``image`` in the stack's region: a literal, or a ``CfnMapping`` lookup (one mapping
    per algorithm, and one more for each older repository of it, such as XGBoost's legacy ``xgboost:1``)."""
    stack = Stack.of(scope)
    if not Token.is_unresolved(stack.region):
        account = image.registries.get(stack.region)
        if account is None:  # HPO-IMAGE-002 rejects the region before the image is bound
            raise AssertionError(f"no {name} registry in {stack.region!r}")  # pragma: no cover
        return account
    older = "" if latest else image.repository.title()
    mapping_id = f"SageMakerHpo{name.capitalize()}{older}Registries"
    mapping = stack.node.try_find_child(mapping_id)
    if not isinstance(mapping, CfnMapping):
        mapping = CfnMapping(
            stack,
            mapping_id,
            mapping={region: {"account": account} for region, account in sorted(image.registries.items())},
        )
    return mapping.find_in_map(Aws.REGION, "account")
