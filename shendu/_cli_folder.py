"""``shendu train --data DIR``, ``eval`` and ``predict`` for models trained on one's own images."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._text import count
from .cli import CLIError

__all__ = ["FOLDER_MODELS", "folder_eval_set", "folder_model_kwargs", "folder_settings", "load_folder"]


def folder_model_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """The arguments of the model a run on one's own images trained: its channels, size and classes."""
    channels = 1 if config["image_mode"] == "L" else 3
    size, classes = config["image_size"], len(config["classes"])
    if config["model"] == "cnn":
        return {"in_channels": channels, "image_size": size, "num_classes": classes}
    return {"in_features": channels * size * size, "num_classes": classes}


FOLDER_MODELS = ("cnn", "mlp")


def folder_settings(args: argparse.Namespace, settings: dict[str, Any]) -> None:
    """Check and record the settings of training on one's own images (``--data DIR``)."""
    if args.data is None:
        for flag, value in (("--image-size", args.image_size), ("--val-split", args.val_split)):
            if value is not None:
                raise CLIError(f"{flag} applies to your own images: add --data DIR")
        return
    if args.dataset is not None:
        raise CLIError("choose either --dataset or --data DIR, not both")
    if settings["model"] not in FOLDER_MODELS:
        raise CLIError(f"--data trains the {' or '.join(FOLDER_MODELS)} model, not {settings['model']!r}")
    image_size = 64 if args.image_size is None else args.image_size
    val_split = 0.2 if args.val_split is None else args.val_split
    if image_size < 4:
        raise CLIError(f"--image-size must be at least 4 (the CNN halves the size twice), got {image_size}")
    if not 0 < val_split < 1:
        raise CLIError(f"--val-split must be between 0 and 1 (the share held out for validation), got {val_split}")
    settings.update(dataset="folder", data=str(Path(args.data).resolve()), image_size=image_size, val_split=val_split)


def load_folder(settings: dict[str, Any], quiet: bool) -> tuple[Any, Any, list[str], str]:
    """The training and validation images of ``settings["data"]``, their classes and colour mode."""
    from .datasets import transforms as T
    from .train.folder_data import folder_splits

    augment = T.RandomHorizontalFlip() if settings.get("augment") else None
    train, val, classes, mode = folder_splits(
        settings["data"],
        settings["image_size"],
        settings["val_split"],
        augment,
        progress=not quiet and sys.stderr.isatty(),
    )
    if not quiet:
        size = settings["image_size"]
        print(
            f"{count(len(train) + len(val), 'image')} in {count(len(classes), 'class', 'classes')} "
            f"({', '.join(classes)}), {'grayscale' if mode == 'L' else 'RGB'} at {size}x{size}: "
            f"{len(train)} to train, {len(val)} to validate"
        )
    settings["images"] = len(train) + len(val)
    return train, val, classes, mode


def folder_eval_set(config: dict[str, Any], data: str | None) -> tuple[Any, str]:
    """A folder model's evaluation images: a whole folder given by ``--data``, or the run's validation split."""
    from .train.folder_data import decode_folder, folder_splits

    if data is not None:
        images, classes, _ = decode_folder(data, config["image_size"], config["image_mode"])
        if classes != config["classes"]:
            raise CLIError(
                f"the classes of {data!r} ({', '.join(classes)}) differ from the model's "
                f"({', '.join(config['classes'])})"
            )
        return images, f"{data} ({count(len(images), 'image')})"
    _, val, classes, _ = folder_splits(config["data"], config["image_size"], config["val_split"])
    if len(val.dataset) != config["images"] or classes != config["classes"]:
        raise CLIError(
            f"{config['data']!r} changed since training ({config['images']} images then, {len(val.dataset)} now), "
            f"so its validation split is not the one held out; pass --data with a folder of test images"
        )
    return val, f"the validation split of {config['data']}"
