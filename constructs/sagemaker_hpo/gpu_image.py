"""The packaged GPU training image (MLP and ResNet-20 for Hyperband) as a CDK construct."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import aws_ecr_assets as ecr_assets
from constructs import Construct

from ._validation import ValidationError
from .image import TrainingImage
from .objective import MetricDefinition
from .rules import ConstructProps, MetricSet, run_rules
from .rules.images import METRICS_FILE_NAME, ImageFolder, MetricsFile, read_metrics_file

#: The folder of the packaged image: Dockerfile, ``train.py``, ``metrics.json`` (found from this file, never cwd).
PACKAGED_DIRECTORY = Path(__file__).resolve().parent / "images" / "gpu_training"
#: The file, beside ``metrics.json``, with lines the program prints (one per epoch): each metric definition's regex
#: is tried on them at synth time (rule HPO-METRIC-011).
SAMPLE_LOG_FILE_NAME = "metrics-sample.log"


def load_sample_log_lines(directory: str | os.PathLike[str] = PACKAGED_DIRECTORY) -> tuple[str, ...]:
    """The sample log lines of an image folder (``metrics-sample.log``); none when the folder has no such file.

    :param directory: the image folder (default: the packaged ``gpu_training`` folder).
    """
    path = Path(directory) / SAMPLE_LOG_FILE_NAME
    if not path.is_file():
        return ()
    return tuple(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def load_metric_definitions(directory: str | os.PathLike[str] = PACKAGED_DIRECTORY) -> tuple[MetricDefinition, ...]:
    """Read ``metrics.json`` from an image folder: a JSON list of ``{"name": ..., "regex": ...}`` objects.

    The packaged ``train.py`` reads the same file and prints one line per epoch that each regex matches once, so
    the tuning job's metric definitions and the program cannot drift apart.

    :param directory: the image folder (default: the packaged ``gpu_training`` folder).
    :returns: the definitions, in file order.
    :raises ValidationError: when the folder has no ``metrics.json`` (HPO-IMAGE-005) or the file is not a non-empty
        list of name/regex objects with unique names (HPO-IMAGE-006; the error names the file and the entry).
    """
    path = Path(directory) / METRICS_FILE_NAME
    run_rules(MetricsFile(path), path=str(path))
    return tuple(MetricDefinition(name=item["name"], regex=item["regex"]) for item in read_metrics_file(path))


class GpuTrainingImage(Construct):
    """A SageMaker training image built by ``cdk deploy`` from the packaged ``gpu_training`` folder (or a folder of
    your own with the same contract), with the metric definitions its program prints per epoch.

    The packaged program trains the two workloads of the Hyperband experiments (``workload=mlp``: a three-layer MLP
    on a synthetic 5,000-point binary data set; ``workload=resnet20``: ResNet-20 on CIFAR-10 with SGD, mixed precision
    on CUDA) and prints ``train:loss``, ``validation:loss`` and ``validation:accuracy`` after every epoch, which is
    what Hyperband needs to stop poor jobs early. See ``images/gpu_training/README.md`` for the container contract,
    hyperparameters and data format.

    Use :attr:`training_image` as a training definition's image; the job's metric definitions default to
    :attr:`metric_definitions`.

    :param scope: the parent construct.
    :param id: the construct id.
    :param directory: a folder with a ``Dockerfile`` (and normally a ``metrics.json``) to build instead of the
        packaged one.
    :param build_args: Docker build arguments, e.g. ``{"BASE_IMAGE": "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"}``.
    :param metric_definitions: the metric definitions; default: read from the folder's ``metrics.json``.
    :param sample_log_lines: lines the program prints, on which each regex is tried at synth time. Default: the
        folder's ``metrics-sample.log`` (none if it has no such file).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        directory: str | os.PathLike[str] | None = None,
        build_args: Mapping[str, str] | None = None,
        metric_definitions: Sequence[MetricDefinition] | None = None,
        sample_log_lines: Sequence[str] | None = None,
    ) -> None:
        """Check the folder and the metric definitions, and declare the image asset.

        :param scope: the parent construct.
        :param id: the construct id.
        :param directory: a folder with a ``Dockerfile`` (and normally ``metrics.json``). Default: the packaged
            ``gpu_training`` folder.
        :param build_args: Docker build arguments. Default: none.
        :param metric_definitions: the metric definitions (1 to 40). Default: read from the folder's
            ``metrics.json``.
        :param sample_log_lines: lines the program prints; every regex must read a number from one of them.
            Default: the folder's ``metrics-sample.log`` (none when absent).
        :raises ValidationError: for a folder without a Dockerfile or metric definitions that break a rule.
        """
        super().__init__(scope, id)
        props = {
            "directory": directory,
            "build_args": build_args,
            "metric_definitions": metric_definitions,
            "sample_log_lines": sample_log_lines,
        }
        run_rules(ConstructProps("GpuTrainingImage", props), path=self.node.path, scope=self)
        folder = PACKAGED_DIRECTORY if directory is None else Path(directory).resolve()
        given = None if metric_definitions is None else tuple(metric_definitions)
        run_rules(ImageFolder(folder, given), path=self.node.path, scope=self)
        definitions = given if given is not None else self._read_metrics_file(folder)
        samples = load_sample_log_lines(folder) if sample_log_lines is None else tuple(sample_log_lines)
        run_rules(MetricSet(definitions, "metric_definitions", samples), path=self.node.path, scope=self)
        #: The lines the image's program prints, on which the regexes are tried.
        self.sample_log_lines: tuple[str, ...] = samples

        #: The metric definitions the image's program prints for (one line per epoch).
        self.metric_definitions: tuple[MetricDefinition, ...] = definitions
        #: The Docker image asset (linux/amd64) that ``cdk deploy`` builds and pushes.
        self.asset = ecr_assets.DockerImageAsset(
            self,
            "Asset",
            directory=str(folder),
            platform=ecr_assets.Platform.LINUX_AMD64,
            build_args=dict(build_args) if build_args else None,
        )
        #: The image for a training definition, carrying :attr:`metric_definitions`.
        self.training_image = TrainingImage.from_docker_image_asset(
            self.asset, metric_definitions=self.metric_definitions, sample_log_lines=samples
        )

    def _read_metrics_file(self, folder: Path) -> tuple[MetricDefinition, ...]:
        """The folder's ``metrics.json`` definitions; an error in the file names this construct (HPO-IMAGE-006)."""
        try:
            return load_metric_definitions(folder)
        except ValidationError as err:
            reason = str(err).removesuffix(f" [{err.rule_id}]")
            raise ValidationError(
                self.node.path, "metric_definitions", str(folder / METRICS_FILE_NAME), reason, rule_id=err.rule_id
            ) from None

    @property
    def image_uri(self) -> str:
        """The image URI (a deploy-time token)."""
        return self.asset.image_uri
