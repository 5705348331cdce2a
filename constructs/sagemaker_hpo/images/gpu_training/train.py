#!/usr/bin/env python3
"""SageMaker training program for the two experiments of the Hyperband announcement (MLP and ResNet-20).

Container contract (see README.md beside this file):

* SageMaker starts the image as ``docker run <image> train``; the image's entrypoint is ``python train.py`` so this
  program receives the single argument ``train``. Any other argument is a usage error (exit code 2).
* Every path lives under ``/opt/ml`` unless the environment variable ``OPT_ML_DIR`` names another root:
  ``input/config/hyperparameters.json`` (all values are strings, possibly JSON-quoted), ``input/data/<channel>/``,
  ``model/`` (``model.pt`` state dict and ``model.json``), ``checkpoints/<TRAINING_JOB_NAME>/`` (one checkpoint
  per epoch, staged in ``.checkpoint-tmp/`` and renamed in; never deleted; the newest is resumed at start) and
  ``output/failure`` (a one-line reason, written on any error).
* SageMaker syncs ``checkpoints/`` with the ``CheckpointConfig.S3Uri``, which every training job of a tuning job
  shares, and mirrors local deletions to S3. So each job writes only under its own subfolder (named by the
  ``TRAINING_JOB_NAME`` environment variable SageMaker sets; ``local`` when it is unset), resumes only from it,
  keeps temporary files out of the synced folder and never deletes a checkpoint.
* After every epoch one line is printed and flushed, e.g.
  ``epoch=3/10 train:loss=0.4123 validation:loss=0.3991 validation:accuracy=0.8812 seconds=1.92``;
  the metric names and the regular expressions that read them come from ``metrics.json`` beside this file, which
  is the same file the CDK construct turns into the tuning job's metric definitions.
* Exit codes: 0 success, 1 bad input (hyperparameters, data, divergence) or any other error, 2 usage.

Only the standard library, ``torch`` and ``numpy`` are used (no torchvision).
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

DEFAULT_ROOT = "/opt/ml"
METRICS_FILE = Path(__file__).resolve().with_name("metrics.json")
CHECKPOINT_PREFIX = "checkpoint-epoch-"
CHECKPOINT_FORMAT = 1
# ``<root>/checkpoints`` is synced with the CheckpointConfig S3 URI, which all training jobs of a tuning job share:
# each job keeps its checkpoints in ``checkpoints/<TRAINING_JOB_NAME>/`` (SageMaker sets the variable in training
# containers; a managed spot restart keeps the name). Without it (local runs) the subfolder is ``local``, so the
# layout is the same everywhere and the top level of the synced folder never holds checkpoint files.
CHECKPOINTS_DIR = "checkpoints"
JOB_NAME_VARIABLE = "TRAINING_JOB_NAME"
LOCAL_JOB_FOLDER = "local"
# One path component. SageMaker job names are letters, digits and hyphens (up to 63 characters); "_" and "." are
# accepted too for local runs, but never "/" or a leading ".".
JOB_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")
# Checkpoints are written here first (not synced, same file system as a rule) and then renamed into the job's
# checkpoint folder, so no temporary file is ever uploaded to S3 or deleted from the synced folder.
STAGING_DIR = ".checkpoint-tmp"
WORKLOADS = ("mlp", "resnet20")
# Hyperparameters SageMaker or its SDKs add on their own (e.g. ``_tuning_objective_metric`` in tuning jobs,
# ``sagemaker_program`` from the Python SDK): accepted and ignored rather than rejected as unknown.
IGNORED_PREFIXES = ("_", "sagemaker_")

# Synthetic data set of experiment 1: always generated from this seed, so every training job of a tuning job
# sees the same points whatever its ``seed`` hyperparameter (which only drives initialization and shuffling).
SYNTHETIC_DATA_SEED = 1234
SYNTHETIC_NOISE = 0.2
SYNTHETIC_TRAIN_FRACTION = 0.8

CIFAR_SHAPE = (32, 32, 3)
CIFAR_CLASSES = 10
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
CROP_PADDING = 4
EVAL_BATCH_SIZE = 1024
# The metrics this program computes each epoch; metrics.json may define any of them, in any order.
COMPUTED_METRICS = ("train:loss", "validation:loss", "validation:accuracy")


class InputError(Exception):
    """Bad input from the user: hyperparameters, channel data or a run that diverged. Exit code 1."""


class UsageError(Exception):
    """The program was started with the wrong arguments. Exit code 2."""


# --------------------------------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One accepted hyperparameter.

    :param name: the hyperparameter's name.
    :param kind: ``"int"`` or ``"float"``.
    :param low: the smallest accepted value.
    :param high: the largest accepted value.
    :param default: the value used when the hyperparameter is not given.
    :param low_open: whether ``low`` itself is excluded.
    :param high_open: whether ``high`` itself is excluded.
    """

    name: str
    kind: str
    low: float
    high: float
    default: float
    low_open: bool = False
    high_open: bool = False

    def describe_range(self) -> str:
        """The accepted range in interval notation, e.g. ``(0, 1]`` or ``[1, 4096] (integer)``."""
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        text = f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        return f"{text} (integer)" if self.kind == "int" else text

    def parse(self, raw: object) -> int | float:
        """Parse and range-check one raw value; raise ``InputError`` naming the hyperparameter, value and range."""
        text = unquote(raw)
        shown = f"{self.name}={text!r}"
        allowed = f"allowed range {self.describe_range()}"
        try:
            number = float(text)
        except ValueError:
            raise InputError(f"invalid hyperparameter {shown}: not a number; {allowed}") from None
        if not math.isfinite(number):
            raise InputError(f"invalid hyperparameter {shown}: not a finite number; {allowed}")
        value: int | float = number
        if self.kind == "int":
            if not number.is_integer():
                raise InputError(f"invalid hyperparameter {shown}: not an integer; {allowed}")
            value = int(number)
        too_low = value <= self.low if self.low_open else value < self.low
        too_high = value >= self.high if self.high_open else value > self.high
        if too_low or too_high:
            raise InputError(f"invalid hyperparameter {shown}: out of range; {allowed}")
        return value


def _fmt(number: float) -> str:
    """Format a range bound compactly: ``4096``, ``0.1``, ``1e-06``."""
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e15 else f"{number:g}"


COMMON_PARAMS = (
    Param("epochs", "int", 1, 100_000, 10),
    Param("seed", "int", 0, 2**31 - 1, 0),
)
WORKLOAD_PARAMS: dict[str, tuple[Param, ...]] = {
    # Tuned in experiment 1: units_per_layer 10..1000, learning_rate 1e-4..0.1, l2_regularization 1e-6..2,
    # batch_size 10..200.
    "mlp": (
        Param("units_per_layer", "int", 1, 4096, 64),
        Param("learning_rate", "float", 0, 1, 1e-3, low_open=True),
        Param("l2_regularization", "float", 0, 10, 1e-4),
        Param("batch_size", "int", 1, 4096, 32),
        Param("num_points", "int", 10, 10_000_000, 5000),
    ),
    # Tuned in experiment 2: batch_size 4..512, learning_rate 1e-6..1e-1, momentum 0.01..0.99,
    # weight_decay 1e-5..1.
    "resnet20": (
        Param("learning_rate", "float", 0, 1, 0.1, low_open=True),
        Param("momentum", "float", 0, 1, 0.9, high_open=True),
        Param("weight_decay", "float", 0, 10, 5e-4),
        Param("batch_size", "int", 1, 4096, 128),
    ),
}


def unquote(raw: object) -> str:
    """Return a hyperparameter value as plain text.

    SageMaker passes every value as a string and some clients JSON-quote it a second time (``"\\"0.1\\""``);
    both forms are accepted. Numbers (as written by hand in a local ``hyperparameters.json``) are accepted too.
    """
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, (int, float)):
        return repr(raw)
    if not isinstance(raw, str):
        return json.dumps(raw)
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            inner = json.loads(text)
        except json.JSONDecodeError:
            inner = None
        if isinstance(inner, str):
            text = inner.strip()
    return text


def parse_hyperparameters(raw: Mapping[str, object]) -> dict[str, Any]:
    """Validate the raw hyperparameters and return typed values with defaults filled in.

    Every problem is collected and reported at once, before any data is read or any training starts.
    """
    workload_text = unquote(raw["workload"]) if "workload" in raw else None
    if workload_text is None:
        raise InputError(f"missing hyperparameter workload: required; allowed values {', '.join(WORKLOADS)}")
    if workload_text not in WORKLOAD_PARAMS:
        raise InputError(f"invalid hyperparameter workload={workload_text!r}: allowed values {', '.join(WORKLOADS)}")
    specs = {p.name: p for p in COMMON_PARAMS + WORKLOAD_PARAMS[workload_text]}
    values: dict[str, Any] = {"workload": workload_text}
    errors: list[str] = []
    for name in sorted(raw):
        if name == "workload" or name.startswith(IGNORED_PREFIXES):
            continue
        if name not in specs:
            errors.append(
                f"unknown hyperparameter {name!r} for workload {workload_text}; "
                f"allowed: workload, {', '.join(sorted(specs))}"
            )
            continue
        try:
            values[name] = specs[name].parse(raw[name])
        except InputError as err:
            errors.append(str(err))
    if errors:
        raise InputError("; ".join(errors))
    for name, spec in specs.items():
        values.setdefault(name, int(spec.default) if spec.kind == "int" else float(spec.default))
    return values


# --------------------------------------------------------------------------------------------------------------
# Metrics (metrics.json is the single source of the names and regular expressions)
# --------------------------------------------------------------------------------------------------------------


def load_metric_definitions(path: Path = METRICS_FILE) -> list[dict[str, str]]:
    """Read ``metrics.json`` (a list of ``{"name", "regex"}``) and check each regex has one capture group."""
    try:
        definitions = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise RuntimeError(f"cannot read the metric definitions {path}: {err}") from err
    if not isinstance(definitions, list) or not definitions:
        raise RuntimeError(f"{path}: expected a non-empty list of {{name, regex}} objects")
    for item in definitions:
        if not isinstance(item, dict) or set(item) != {"name", "regex"}:
            raise RuntimeError(f"{path}: each entry needs exactly the keys name and regex, got {item!r}")
        if re.compile(item["regex"]).groups != 1:
            raise RuntimeError(f"{path}: the regex of {item['name']} must have exactly one capture group")
    return definitions


def format_value(value: float) -> str:
    """Format a metric value so the metrics.json regexes read it back (``0.4123``, ``1e-05``, ``nan``)."""
    return format(value, ".6g")


def format_epoch_line(
    definitions: list[dict[str, str]], epoch: int, epochs: int, metrics: Mapping[str, float], seconds: float
) -> str:
    """Build the per-epoch log line: ``epoch=E/N name=value ... seconds=S`` in metrics.json order."""
    missing = [d["name"] for d in definitions if d["name"] not in metrics]
    if missing:
        raise RuntimeError(f"metrics.json defines {missing} which train.py does not compute (has {sorted(metrics)})")
    fields = " ".join(f"{d['name']}={format_value(metrics[d['name']])}" for d in definitions)
    return f"epoch={epoch}/{epochs} {fields} seconds={seconds:.2f}"


def check_metric_definitions(definitions: list[dict[str, str]]) -> None:
    """Fail at start (not after an epoch) if a regex does not read exactly its own value from the epoch line."""
    unknown = sorted({d["name"] for d in definitions} - set(COMPUTED_METRICS))
    if unknown:
        raise RuntimeError(f"metrics.json defines {unknown}; train.py computes only {list(COMPUTED_METRICS)}")
    metrics = dict(zip(COMPUTED_METRICS, (1e-05, float("nan"), 0.875), strict=True))
    line = format_epoch_line(definitions, 1, 1, metrics, 0.0)
    for d in definitions:
        found = re.findall(d["regex"], line)
        expected = metrics[d["name"]]
        if len(found) != 1 or not (
            float(found[0]) == expected or (math.isnan(expected) and math.isnan(float(found[0])))
        ):
            raise RuntimeError(f"metrics.json regex of {d['name']} reads {found} from {line!r}, expected [{expected}]")


# --------------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------------


def make_moons(num_points: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with Gaussian noise (binary labels), shuffled; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    n_outer = num_points // 2
    n_inner = num_points - n_outer
    t_outer = rng.uniform(0.0, math.pi, n_outer)
    t_inner = rng.uniform(0.0, math.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)
    features = np.concatenate([outer, inner]) + rng.normal(0.0, noise, size=(num_points, 2))
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    order = rng.permutation(num_points)
    return features[order].astype(np.float32), labels[order].astype(np.float32)


def channel_files(root: Path, channel: str, suffixes: tuple[str, ...]) -> list[Path] | None:
    """The data files of a channel (recursively, sorted), or ``None`` when the channel was not provided."""
    folder = root / "input" / "data" / channel
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if not files:
        raise InputError(f"channel {channel}: no {' or '.join(suffixes)} file in {folder}")
    return files


def load_tabular_channel(root: Path, channel: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Read an MLP channel: CSV rows ``label,feature_1,...`` (no header) and/or ``.npz`` with ``features``/``labels``."""
    files = channel_files(root, channel, (".csv", ".npz"))
    if files is None:
        return None
    parts_x: list[np.ndarray] = []
    parts_y: list[np.ndarray] = []
    for path in files:
        try:
            if path.suffix.lower() == ".csv":
                table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
                features, labels = table[:, 1:], table[:, 0]
            else:
                with np.load(path, allow_pickle=False) as archive:
                    features, labels = np.asarray(archive["features"]), np.asarray(archive["labels"])
        except (ValueError, KeyError, OSError) as err:
            raise InputError(f"channel {channel}: cannot read {path.name}: {err}") from None
        features = features.reshape(len(features), -1) if features.ndim != 2 else features
        if len(features) != len(labels) or features.shape[1] == 0:
            raise InputError(f"channel {channel}: {path.name} needs N feature rows with >= 1 column and N labels")
        parts_x.append(features.astype(np.float32))
        parts_y.append(labels.astype(np.float32).reshape(-1))
    widths = {x.shape[1] for x in parts_x}
    if len(widths) != 1:
        raise InputError(f"channel {channel}: files have different numbers of features {sorted(widths)}")
    features, labels = np.concatenate(parts_x), np.concatenate(parts_y)
    if not np.isfinite(features).all():
        raise InputError(f"channel {channel}: features contain nan or inf")
    if not np.isin(labels, (0.0, 1.0)).all():
        raise InputError(f"channel {channel}: labels must be 0 or 1 (binary classification)")
    if len(labels) == 0:
        raise InputError(f"channel {channel}: no rows")
    return features, labels


def load_image_channel(root: Path, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a CIFAR-10 channel: ``.npz`` files with ``images`` uint8 N x 32 x 32 x 3 and ``labels`` int N (0..9)."""
    files = channel_files(root, channel, (".npz",))
    if files is None:
        raise InputError(f"workload resnet20 needs the {channel} channel (input/data/{channel}/ with .npz files)")
    parts_x: list[np.ndarray] = []
    parts_y: list[np.ndarray] = []
    for path in files:
        try:
            with np.load(path, allow_pickle=False) as archive:
                images, labels = np.asarray(archive["images"]), np.asarray(archive["labels"])
        except (ValueError, KeyError, OSError) as err:
            raise InputError(f"channel {channel}: cannot read {path.name}: {err}") from None
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != CIFAR_SHAPE:
            raise InputError(
                f"channel {channel}: {path.name} images must be uint8 N x 32 x 32 x 3 (height, width, RGB), "
                f"got {images.dtype} {images.shape}"
            )
        if labels.ndim != 1 or len(labels) != len(images) or not np.issubdtype(labels.dtype, np.integer):
            raise InputError(f"channel {channel}: {path.name} labels must be {len(images)} integers")
        if len(labels) and (labels.min() < 0 or labels.max() >= CIFAR_CLASSES):
            raise InputError(f"channel {channel}: {path.name} labels must be in 0..{CIFAR_CLASSES - 1}")
        parts_x.append(images)
        parts_y.append(labels.astype(np.int64))
    images, labels = np.concatenate(parts_x), np.concatenate(parts_y)
    if len(labels) == 0:
        raise InputError(f"channel {channel}: no images")
    return images, labels


# --------------------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------------------


class MLP(nn.Module):
    """Three fully connected layers: ``features -> units -> units -> 1 logit`` with ReLU, for binary labels.

    The input standardization (training-set mean and standard deviation) is kept as buffers so ``model.pt`` is
    self-contained.
    """

    input_mean: Tensor
    input_std: Tensor

    def __init__(self, num_features: int, units: int) -> None:
        super().__init__()
        self.register_buffer("input_mean", torch.zeros(num_features))
        self.register_buffer("input_std", torch.ones(num_features))
        self.layers = nn.Sequential(
            nn.Linear(num_features, units),
            nn.ReLU(),
            nn.Linear(units, units),
            nn.ReLU(),
            nn.Linear(units, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Return one logit per row of ``x`` (shape N)."""
        return self.layers((x - self.input_mean) / self.input_std).squeeze(1)

    def l2_penalty(self) -> Tensor:
        """Sum of squared weights (biases excluded) of the three layers: ``sum(w^2)``, not yet scaled."""
        return torch.stack([m.weight.pow(2).sum() for m in self.layers if isinstance(m, nn.Linear)]).sum()


class BasicBlock(nn.Module):
    """ResNet basic block (two 3x3 convolutions) with the parameter-free option A shortcut of He et al. (2016):
    identity, or stride-2 subsampling with zero-padded extra channels when the shape changes."""

    def __init__(self, in_planes: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.extra_channels = planes - in_planes

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block."""
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x
        if self.stride != 1 or self.extra_channels:
            shortcut = x[:, :, :: self.stride, :: self.stride]
            half = self.extra_channels // 2
            shortcut = F.pad(shortcut, (0, 0, 0, 0, half, self.extra_channels - half))
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    """ResNet-20 for 32 x 32 images: a 3x3 stem, three stages of three basic blocks (16, 32, 64 channels),
    global average pooling and a linear classifier (about 0.27 M parameters).

    Input: float N x 3 x 32 x 32 in [0, 1]; the CIFAR-10 normalization is applied inside (buffers)."""

    mean: Tensor
    std: Tensor

    def __init__(self, num_classes: int = CIFAR_CLASSES) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks: list[nn.Module] = []
        in_planes = 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(3):
                blocks.append(BasicBlock(in_planes, planes, stride if i == 0 else 1))
                in_planes = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, num_classes)
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        """Return class logits (N x num_classes)."""
        out = F.relu(self.bn(self.conv((x - self.mean) / self.std)))
        out = self.blocks(out)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


def augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """Random crop with 4-pixel zero padding and random horizontal flip, per image.

    :param images: uint8 (or float) N x H x W x C on any device.
    :param generator: a CPU generator that draws the crop offsets and flips (checkpointed with the run).
    :returns: a tensor of the same shape and dtype.
    """
    n, height, width, _ = images.shape
    offsets = torch.randint(0, 2 * CROP_PADDING + 1, (n, 2), generator=generator).to(images.device)
    flips = (torch.rand(n, generator=generator) < 0.5).to(images.device)
    padded = F.pad(images, (0, 0, CROP_PADDING, CROP_PADDING, CROP_PADDING, CROP_PADDING))
    rows = offsets[:, 0:1] + torch.arange(height, device=images.device)
    cols = offsets[:, 1:2] + torch.arange(width, device=images.device)
    cols = torch.where(flips[:, None], cols.flip(1), cols)
    batch = torch.arange(n, device=images.device)[:, None, None]
    return padded[batch, rows[:, :, None], cols[:, None, :]]


# --------------------------------------------------------------------------------------------------------------
# Tasks: a model, its data and optimizer
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Task:
    """Everything an epoch loop needs for one workload."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    prepare: Callable[[Tensor, torch.Generator | None], Tensor]
    loss_sum: Callable[[Tensor, Tensor], Tensor]
    correct: Callable[[Tensor, Tensor], Tensor]
    #: The regularization term added to a batch's mean loss, given the batch's number of examples.
    penalty: Callable[[int], Tensor] | None
    description: dict[str, Any]


def mlp_l2_penalty(model: MLP, l2_regularization: float, batch_examples: int) -> Tensor:
    """The L2 penalty added to a batch's mean loss: ``0.5 * l2_regularization * sum(w^2) / batch_examples``.

    This is scikit-learn's ``MLPClassifier(alpha=l2_regularization)`` definition (the experiment tunes the same four
    hyperparameters as that model: units per layer, Adam learning rate, L2 ``alpha`` and batch size), scaled per
    example of the batch. The unscaled ``l2 * sum(w^2)`` shrinks every weight to zero for the upper end of the
    tuned range 1e-6..2, leaving chance accuracy.
    """
    return (0.5 * l2_regularization / batch_examples) * model.l2_penalty()


def build_mlp_task(hp: Mapping[str, Any], root: Path, device: torch.device) -> Task:
    """Experiment 1: the synthetic two-moons data (or the ``train``/``validation`` channels) and the MLP."""
    train = load_tabular_channel(root, "train")
    validation = load_tabular_channel(root, "validation")
    if train is None:
        if validation is not None:
            raise InputError("channel validation was given without a train channel")
        features, labels = make_moons(hp["num_points"], SYNTHETIC_NOISE, SYNTHETIC_DATA_SEED)
        cut = int(len(labels) * SYNTHETIC_TRAIN_FRACTION)
        train, validation = (features[:cut], labels[:cut]), (features[cut:], labels[cut:])
        source = f"synthetic two moons, {hp['num_points']} points, noise {SYNTHETIC_NOISE}, seed {SYNTHETIC_DATA_SEED}"
    elif validation is None:
        features, labels = train
        cut = int(len(labels) * SYNTHETIC_TRAIN_FRACTION)
        train, validation = (features[:cut], labels[:cut]), (features[cut:], labels[cut:])
        source = "train channel, first 80 % train / last 20 % validation"
    else:
        source = "train and validation channels"
    if len(train[1]) == 0 or len(validation[1]) == 0:
        raise InputError("mlp needs at least one training and one validation row")
    if train[0].shape[1] != validation[0].shape[1]:
        raise InputError(f"train has {train[0].shape[1]} features but validation has {validation[0].shape[1]} features")
    num_features = train[0].shape[1]
    model = MLP(num_features, hp["units_per_layer"])
    mean, std = train[0].mean(axis=0), train[0].std(axis=0)
    model.input_mean.copy_(torch.from_numpy(mean))
    model.input_std.copy_(torch.from_numpy(np.where(std > 0, std, 1.0).astype(np.float32)))
    model.to(device)
    l2 = float(hp["l2_regularization"])
    return Task(
        model=model,
        optimizer=torch.optim.Adam(model.parameters(), lr=hp["learning_rate"]),
        train_x=torch.from_numpy(train[0]).to(device),
        train_y=torch.from_numpy(train[1]).to(device),
        val_x=torch.from_numpy(validation[0]).to(device),
        val_y=torch.from_numpy(validation[1]).to(device),
        prepare=lambda x, _generator: x,
        loss_sum=lambda logits, y: F.binary_cross_entropy_with_logits(logits.float(), y, reduction="sum"),
        correct=lambda logits, y: ((logits > 0).float() == y).sum(),
        penalty=(lambda batch: mlp_l2_penalty(model, l2, batch)) if l2 > 0 else None,
        description={
            "architecture": f"mlp {num_features}-{hp['units_per_layer']}-{hp['units_per_layer']}-1",
            "num_features": num_features,
            "data": source,
        },
    )


def build_resnet20_task(hp: Mapping[str, Any], root: Path, device: torch.device) -> Task:
    """Experiment 2: CIFAR-10 from the ``train`` and ``validation`` channels and ResNet-20 with SGD."""
    train_images, train_labels = load_image_channel(root, "train")
    val_images, val_labels = load_image_channel(root, "validation")
    return resnet20_task_from_arrays(hp, (train_images, train_labels), (val_images, val_labels), device)


def resnet20_task_from_arrays(
    hp: Mapping[str, Any],
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    device: torch.device,
) -> Task:
    """ResNet-20 with SGD on in-memory CIFAR-shaped arrays (uint8 N x 32 x 32 x 3 images, int64 labels)."""
    model = ResNet20().to(device)
    channels_last = device.type == "cuda"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # (missing from the stubs)

    def prepare(images: Tensor, generator: torch.Generator | None) -> Tensor:
        """uint8 N x 32 x 32 x 3 -> (augmented) float N x 3 x 32 x 32 in [0, 1]."""
        if generator is not None:
            images = augment(images, generator)
        x = images.permute(0, 3, 1, 2).float().div_(255.0)
        return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()

    return Task(
        model=model,
        optimizer=torch.optim.SGD(
            model.parameters(), lr=hp["learning_rate"], momentum=hp["momentum"], weight_decay=hp["weight_decay"]
        ),
        train_x=torch.from_numpy(train[0]).to(device),
        train_y=torch.from_numpy(train[1]).to(device),
        val_x=torch.from_numpy(validation[0]).to(device),
        val_y=torch.from_numpy(validation[1]).to(device),
        prepare=prepare,
        loss_sum=lambda logits, y: F.cross_entropy(logits.float(), y, reduction="sum"),
        correct=lambda logits, y: (logits.argmax(1) == y).sum(),
        penalty=None,
        description={
            "architecture": "resnet20 (option A shortcuts)",
            "num_classes": CIFAR_CLASSES,
            "input": "uint8 N x 32 x 32 x 3",
            "mean": CIFAR_MEAN,
            "std": CIFAR_STD,
        },
    )


BUILDERS: dict[str, Callable[[Mapping[str, Any], Path, torch.device], Task]] = {
    "mlp": build_mlp_task,
    "resnet20": build_resnet20_task,
}


# --------------------------------------------------------------------------------------------------------------
# Training loop
# --------------------------------------------------------------------------------------------------------------


class Runner:
    """Runs epochs of a task on one device, with mixed precision (float16 autocast and a gradient scaler) on CUDA."""

    def __init__(self, task: Task, device: torch.device, batch_size: int, seed: int) -> None:
        self.task = task
        self.device = device
        self.batch_size = batch_size
        self.amp = device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.generator = torch.Generator().manual_seed(seed + 1)

    def autocast(self) -> torch.autocast:
        """float16 autocast on CUDA; disabled (plain float32) on the CPU."""
        return torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.amp)

    def train_epoch(self) -> float:
        """One pass over the shuffled training set; returns the mean training loss (without the L2 penalty)."""
        task = self.task
        task.model.train()
        n = task.train_y.shape[0]
        order = torch.randperm(n, generator=self.generator).to(self.device)
        total = torch.zeros((), device=self.device)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            x = task.prepare(task.train_x[index], self.generator)
            y = task.train_y[index]
            with self.autocast():
                loss_sum = task.loss_sum(task.model(x), y)
            objective = loss_sum / len(index)
            if task.penalty is not None:
                objective = objective + task.penalty(len(index)).to(self.device)
            task.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(objective).backward()
            self.scaler.step(task.optimizer)
            self.scaler.update()
            total += loss_sum.detach()
        return float(total) / n

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """Mean loss and accuracy on the validation set."""
        task = self.task
        task.model.eval()
        n = task.val_y.shape[0]
        loss = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device)
        for start in range(0, n, EVAL_BATCH_SIZE):
            x = task.prepare(task.val_x[start : start + EVAL_BATCH_SIZE], None)
            y = task.val_y[start : start + EVAL_BATCH_SIZE]
            with self.autocast():
                logits = task.model(x)
            loss += task.loss_sum(logits, y)
            correct += task.correct(logits, y)
        return float(loss) / n, float(correct) / n

    def state(self, epoch: int, config: Mapping[str, Any]) -> dict[str, Any]:
        """Everything needed to continue after ``epoch`` exactly as an uninterrupted run would."""
        return {
            "format": CHECKPOINT_FORMAT,
            "epoch": epoch,
            "config": dict(config),
            "model": self.task.model.state_dict(),
            "optimizer": self.task.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else [],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a state written by :meth:`state`."""
        self.task.model.load_state_dict(state["model"])
        self.task.optimizer.load_state_dict(state["optimizer"])
        if state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])


def checkpoint_identity(hp: Mapping[str, Any]) -> dict[str, Any]:
    """The hyperparameters a checkpoint must share with this run to be resumed: all but ``epochs``."""
    return {k: v for k, v in hp.items() if k != "epochs"}


def job_checkpoint_folder(root: Path) -> Path:
    """This training job's checkpoint folder: ``<root>/checkpoints/<TRAINING_JOB_NAME>`` (``local`` when unset)."""
    name = os.environ.get(JOB_NAME_VARIABLE, "").strip()
    if not name:
        return root / CHECKPOINTS_DIR / LOCAL_JOB_FOLDER
    if not JOB_NAME_PATTERN.fullmatch(name):
        raise RuntimeError(
            f"{JOB_NAME_VARIABLE}={name!r} cannot name a checkpoint folder: expected letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    return root / CHECKPOINTS_DIR / name


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """Checkpoints in ``folder`` as ``(epoch, path)``, newest first; temporary files are ignored."""
    found = []
    for path in folder.glob(f"{CHECKPOINT_PREFIX}*.pt"):
        digits = path.stem[len(CHECKPOINT_PREFIX) :]
        if digits.isdigit():
            found.append((int(digits), path))
    return sorted(found, reverse=True)


def move_into_place(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` over ``path`` atomically; copy it in place when they are on different file systems.

    The copy (only if the checkpoint folder is a separate mount) is not atomic: a file torn by a crash is skipped as
    unreadable at resume and rewritten when its epoch is trained again.
    """
    try:
        os.replace(tmp, path)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        with open(tmp, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
            target.flush()
            os.fsync(target.fileno())
        tmp.unlink()


def atomic_torch_save(obj: object, path: Path, staging: Path | None = None) -> None:
    """Write ``obj`` to a temporary file in ``staging`` (default: ``path``'s folder), fsync it and move it to ``path``.

    :param staging: where the temporary file is written; for checkpoints a folder outside the synced one.
    """
    folder = path.parent if staging is None else staging
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.tmp"
    try:
        with open(tmp, "wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        move_into_place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left behind when writing or moving failed


def save_checkpoint(folder: Path, state: Mapping[str, Any], staging: Path) -> Path:
    """Write the checkpoint of ``state['epoch']`` to ``folder`` through ``staging``; older ones are kept.

    Nothing is deleted from ``folder``: SageMaker would mirror a deletion to the checkpoint S3 URI, which the training
    role may not do. The artifacts bucket's lifecycle rule expires old checkpoints instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{CHECKPOINT_PREFIX}{state['epoch']:05d}.pt"
    atomic_torch_save(state, path, staging)
    return path


def load_latest_checkpoint(folder: Path, identity: Mapping[str, Any]) -> tuple[dict[str, Any], Path] | None:
    """The newest readable checkpoint written with the same hyperparameters (but ``epochs``), or ``None``."""
    for _, path in list_checkpoints(folder):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # a truncated upload, an older format: try the previous one
            print(f"ignoring unreadable checkpoint {path.name}: {type(err).__name__}: {err}", flush=True)
            continue
        if state.get("format") != CHECKPOINT_FORMAT:
            print(f"ignoring checkpoint {path.name}: format {state.get('format')} != {CHECKPOINT_FORMAT}", flush=True)
            continue
        if state.get("config") != dict(identity):
            print(
                f"ignoring checkpoint {path.name}: written with other hyperparameters {state.get('config')}", flush=True
            )
            continue
        return state, path
    return None


def write_model(folder: Path, task: Task, hp: Mapping[str, Any], epoch: int, metrics: Mapping[str, float]) -> None:
    """Write ``model.pt`` (the state dict, on the CPU) and ``model.json`` (configuration and final metrics)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in task.model.state_dict().items()}
    atomic_torch_save(state, folder / "model.pt")
    info = {
        "workload": hp["workload"],
        "hyperparameters": dict(hp),
        "epochs_completed": epoch,
        "metrics": dict(metrics),
        "torch_version": torch.__version__,
        **task.description,
    }
    tmp = folder / ".model.json.tmp"
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / "model.json")


def read_hyperparameters(root: Path) -> dict[str, object]:
    """Read ``input/config/hyperparameters.json``; a missing file means no hyperparameters."""
    path = root / "input" / "config" / "hyperparameters.json"
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"cannot read {path}: {err}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} must hold a JSON object, got {type(raw).__name__}")
    return raw


def select_device() -> torch.device:
    """CUDA when available, else the CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """E.g. ``cuda (Tesla T4)`` or ``cpu (2 threads)``."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def train(root: Path) -> None:
    """Validate the hyperparameters, build the task, resume from this job's newest checkpoint, train to ``epochs``."""
    definitions = load_metric_definitions()
    check_metric_definitions(definitions)
    hp = parse_hyperparameters(read_hyperparameters(root))
    print(f"hyperparameters {json.dumps(hp, sort_keys=True)}", flush=True)
    checkpoint_dir = job_checkpoint_folder(root)

    device = select_device()
    torch.manual_seed(hp["seed"])
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    task = BUILDERS[hp["workload"]](hp, root, device)
    runner = Runner(task, device, hp["batch_size"], hp["seed"])
    parameters = sum(p.numel() for p in task.model.parameters())
    print(
        f"workload {hp['workload']} on {describe_device(device)} mixed_precision={runner.amp} "
        f"train_examples={len(task.train_y)} validation_examples={len(task.val_y)} parameters={parameters} "
        f"data: {task.description.get('data', 'train and validation channels')}",
        flush=True,
    )

    epochs = hp["epochs"]
    staging = root / STAGING_DIR
    print(f"checkpoint folder {checkpoint_dir}", flush=True)
    identity = checkpoint_identity(hp)
    first_epoch = 1
    metrics: dict[str, float] = {}
    resumed = load_latest_checkpoint(checkpoint_dir, identity)
    if resumed is not None:
        state, path = resumed
        runner.restore(state)
        first_epoch = state["epoch"] + 1
        metrics = dict(state.get("metrics", {}))
        remaining = f"running epochs {first_epoch}..{epochs}" if first_epoch <= epochs else "nothing left to run"
        shown = path.relative_to(root / CHECKPOINTS_DIR).as_posix()
        print(f"resumed from checkpoint {shown} (epoch {state['epoch']} of {epochs}); {remaining}", flush=True)

    for epoch in range(first_epoch, epochs + 1):
        started = time.perf_counter()
        train_loss = runner.train_epoch()
        val_loss, val_accuracy = runner.evaluate()
        metrics = {"train:loss": train_loss, "validation:loss": val_loss, "validation:accuracy": val_accuracy}
        seconds = time.perf_counter() - started
        print(format_epoch_line(definitions, epoch, epochs, metrics, seconds), flush=True)
        if not math.isfinite(train_loss):
            raise InputError(
                # Worded without "train:loss=": the metric regexes must match only the per-epoch lines, and
                # this reason is printed to the log too (the "FAILED: ..." line).
                f"training diverged at epoch {epoch} (training loss {format_value(train_loss)}); "
                f"learning_rate={hp['learning_rate']} is probably too large"
            )
        state = runner.state(epoch, identity)
        state["metrics"] = metrics
        save_checkpoint(checkpoint_dir, state, staging)

    write_model(root / "model", task, hp, max(epochs, first_epoch - 1), metrics)
    print(f"model written to {root / 'model'}", flush=True)


def write_failure(root: Path, reason: str) -> None:
    """Write the one-line failure reason SageMaker shows as the job's FailureReason (at most 1024 characters)."""
    line = " ".join(reason.split())[:1024]
    print(f"FAILED: {line}", file=sys.stderr, flush=True)
    try:
        (root / "output").mkdir(parents=True, exist_ok=True)
        (root / "output" / "failure").write_text(line + "\n", encoding="utf-8")
    except OSError as err:
        print(f"cannot write {root / 'output' / 'failure'}: {err}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``train.py train``. Returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(os.environ.get("OPT_ML_DIR", DEFAULT_ROOT))
    try:
        if args != ["train"]:
            raise UsageError(f"usage: train.py train (got {' '.join(args) or 'no arguments'}); this image only trains")
        train(root)
    except UsageError as err:
        write_failure(root, str(err))
        return 2
    except InputError as err:
        write_failure(root, str(err))
        return 1
    except Exception as err:
        traceback.print_exc()
        write_failure(root, f"unexpected error: {type(err).__name__}: {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
