#!/usr/bin/env python3
"""Convert the official CIFAR-10 python batches into the channels ``train.py`` reads for ``workload=resnet20``.

Input: the folder ``cifar-10-batches-py`` (or the archive ``cifar-10-python.tar.gz`` that contains it) with the
pickled batches ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``. Each is a dict with ``b"data"`` (uint8
N x 3072: the 1024 red, then green, then blue values of a 32 x 32 image, row-major) and ``b"labels"`` (N ints 0..9).

Output (ready for ``aws s3 cp --recursive``)::

    OUT/train/cifar10_train.npz            images uint8 50000 x 32 x 32 x 3 (height, width, RGB), labels int64
    OUT/validation/cifar10_validation.npz  images uint8 10000 x 32 x 32 x 3, labels int64 (the test batch)

The batches are unpickled with an allow-list that only admits the builtin containers and numpy arrays the official
files contain, so a tampered file cannot run code; still, only convert files from the official source.

Usage: ``python convert_cifar10.py SOURCE OUT``.
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
IMAGE_SIZE = 32
NUM_CLASSES = 10
# What the official batches (written by Python 2 with numpy) may reference, and nothing else.
ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
    ("_codecs", "encode"),  # bytes inside protocol-2 pickles written by Python 3
}


class ConversionError(Exception):
    """The input is not a set of CIFAR-10 python batches."""


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in ``ALLOWED_GLOBALS``."""

    def find_class(self, module: str, name: str) -> object:
        """Resolve an allowed global or refuse."""
        if (module, name) not in ALLOWED_GLOBALS:
            raise ConversionError(f"refusing to unpickle {module}.{name}: not part of a CIFAR-10 batch")
        return super().find_class(module, name)


def load_batch(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Unpickle one batch and return ``(images uint8 N x 32 x 32 x 3, labels int64 N)``."""
    try:
        batch = _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except ConversionError:
        raise
    except Exception as err:
        raise ConversionError(f"{name}: not a CIFAR-10 python batch ({type(err).__name__}: {err})") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ConversionError(f"{name}: expected a dict with b'data' and b'labels'")
    flat = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if flat.dtype != np.uint8 or flat.ndim != 2 or flat.shape[1] != 3 * IMAGE_SIZE * IMAGE_SIZE:
        raise ConversionError(f"{name}: b'data' must be uint8 N x 3072, got {flat.dtype} {flat.shape}")
    if labels.shape != (flat.shape[0],):
        raise ConversionError(f"{name}: {flat.shape[0]} images but {labels.size} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ConversionError(f"{name}: labels must be in 0..{NUM_CLASSES - 1}")
    images = flat.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_batches(source: Path, names: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, raw bytes)`` of each named batch from a folder or a ``.tar.gz`` archive."""
    if source.is_dir():
        for name in names:
            path = source / name
            if not path.is_file() and (source / "cifar-10-batches-py" / name).is_file():
                path = source / "cifar-10-batches-py" / name
            if not path.is_file():
                raise ConversionError(f"missing {name} in {source}")
            yield name, path.read_bytes()
        return
    try:
        archive = tarfile.open(source, "r:*")
    except (OSError, tarfile.TarError) as err:
        raise ConversionError(f"{source} is neither a folder nor a readable tar archive: {err}") from None
    with archive:
        members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
        for name in names:
            member = members.get(name)
            handle = archive.extractfile(member) if member is not None else None
            if handle is None:
                raise ConversionError(f"missing {name} in {source}")
            yield name, handle.read()


def convert(source: Path, out: Path) -> dict[str, int]:
    """Convert ``source`` into ``out/train`` and ``out/validation``; return the image count of each channel."""
    counts: dict[str, int] = {}
    for channel, names in (("train", TRAIN_BATCHES), ("validation", (TEST_BATCH,))):
        parts = [load_batch(data, name) for name, data in read_batches(source, names)]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        folder = out / channel
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"cifar10_{channel}.npz"
        tmp = folder / f".cifar10_{channel}.tmp.npz"
        np.savez(tmp, images=images, labels=labels)
        tmp.replace(target)
        counts[channel] = len(labels)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="cifar-10-batches-py folder or cifar-10-python.tar.gz")
    parser.add_argument("out", type=Path, help="output folder; train/ and validation/ are created in it")
    args = parser.parse_args(argv)
    try:
        counts = convert(args.source, args.out)
    except ConversionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for channel, count in counts.items():
        print(f"{channel}: {count} images -> {args.out / channel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
