#!/usr/bin/env python3
"""Measure ResNet-20 training throughput of ``train.py`` on CIFAR-shaped synthetic data.

Runs the same model, augmentation, optimizer and mixed-precision loop as ``workload=resnet20`` (imported from
``train.py`` beside this file) for a few epochs on random uint8 images and prints the device, the seconds per epoch
and the training images per second. The first epoch includes warm-up (cuDNN autotuning, allocator growth); the
summary line reports the epochs after it when there are several.

Usage (in the image on a GPU instance, or from a checkout)::

    python benchmark.py --epochs 2 --num-images 50000 --batch-size 128
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # keep the image folder (a CDK asset) free of __pycache__

import train  # noqa: E402  (the training program beside this file)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the epochs and print one line per epoch plus a summary; returns the exit code."""
    parser = argparse.ArgumentParser(description="ResNet-20 training throughput on synthetic CIFAR-shaped data")
    parser.add_argument("--epochs", type=int, default=2, help="epochs to run (default 2)")
    parser.add_argument("--num-images", type=int, default=50_000, help="training images per epoch (default 50000)")
    parser.add_argument("--validation-images", type=int, default=10_000, help="validation images (default 10000)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto", help="default: cuda if present")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.num_images < 1 or args.validation_images < 1 or args.batch_size < 1:
        parser.error("--epochs, --num-images, --validation-images and --batch-size must be >= 1")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available")
    device = train.select_device() if args.device == "auto" else torch.device(args.device)

    rng = np.random.default_rng(args.seed)

    def synthetic(n: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.integers(0, 256, (n, *train.CIFAR_SHAPE), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.int64)

    torch.manual_seed(args.seed)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    hp = {"learning_rate": 0.05, "momentum": 0.9, "weight_decay": 5e-4}
    task = train.resnet20_task_from_arrays(hp, synthetic(args.num_images), synthetic(args.validation_images), device)
    runner = train.Runner(task, device, args.batch_size, args.seed)
    print(
        f"device={train.describe_device(device)} mixed_precision={runner.amp} torch={torch.__version__} "
        f"batch_size={args.batch_size} train_images={args.num_images} validation_images={args.validation_images}",
        flush=True,
    )
    train_seconds: list[float] = []
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        runner.train_epoch()
        trained = time.perf_counter()
        runner.evaluate()
        finished = time.perf_counter()
        train_seconds.append(trained - started)
        print(
            f"epoch={epoch} epoch_seconds={finished - started:.2f} train_seconds={trained - started:.2f} "
            f"eval_seconds={finished - trained:.2f} images_per_second={args.num_images / (trained - started):.0f}",
            flush=True,
        )
    steady = train_seconds[1:] or train_seconds
    mean = sum(steady) / len(steady)
    print(
        f"summary device={train.describe_device(device)} seconds_per_epoch={mean:.2f} "
        f"images_per_second={args.num_images / mean:.0f} (train pass, mean of epochs "
        f"{'2..' + str(args.epochs) if len(train_seconds) > 1 else '1'})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
