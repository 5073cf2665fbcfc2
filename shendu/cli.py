"""The ``shendu`` command: train, eval, predict, export, info (and lab, for the interview-question experiments)."""

from __future__ import annotations

import argparse
import io
import os
import platform
import signal
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._text import count
from .cli_args import (
    OneLineParser,
    batch_or_dynamic,
    debug_requested,
    existing_file,
    one_line,
    positive_float,
    positive_int,
    random_seed,
    run_name,
    stdout_closed,
)

PRESETS: dict[str, dict[str, Any]] = {
    # Reaches >= 0.91 test accuracy on Fashion-MNIST within 5 minutes on 2 CPU cores (see README).
    "default": {
        "model": "cnn",
        "dataset": "fashion-mnist",
        "epochs": 4,
        "batch_size": 128,
        "lr": 2e-3,
        "optimizer": "adam",
        "scheduler": "onecycle",
        # One BLAS thread: on 2 cores a second thread that has to wait for a core made steps 3x slower.
        "threads": 1,
    },
    # Longer training with random horizontal flips: >= 0.93 within 20 minutes (see README). Flips alone
    # beat flips plus random crops here: the crops held this small net back (20 epochs on a GPU: test
    # accuracy 0.9325 vs 0.9290).
    "long": {
        "model": "cnn",
        "dataset": "fashion-mnist",
        "epochs": 20,
        "batch_size": 128,
        "lr": 3e-3,
        "optimizer": "adam",
        "scheduler": "onecycle",
        "augment": True,
        "threads": 1,
    },
}
DATASETS = ("fashion-mnist", "mnist", "digits")
# What `shendu train` writes into a run folder. A folder holding any of these holds a run, which is
# never replaced silently (--resume continues it, --overwrite removes these files and starts over).
# A new output of the run belongs in this list.
RUN_FILES = (
    "last.ckpt",
    "best.safetensors",
    "history.csv",
    "history.json",
    "loss.png",
    "accuracy.png",
    "confusion_matrix.png",
)
# Pixels per image that `predict` reads (a decompression bomb declares billions).
MAX_IMAGE_PIXELS = 50_000_000


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def _check_data_env() -> None:
    folder = os.environ.get("SHENDU_DATA")
    if folder and not os.path.isdir(folder):
        raise CLIError(
            f"SHENDU_DATA is set to {folder!r}, which is not a folder; point it at the folder that holds the "
            "dataset files, or unset it"
        )


def _dataset_missing(cls: Any) -> CLIError:
    """The dataset-not-found advice in the command's own terms (the API's names root= and download=)."""
    looked = [os.path.join(os.environ["SHENDU_DATA"], cls.name)] if os.environ.get("SHENDU_DATA") else []
    looked += [cls.system_folder] if cls.system_folder else []
    how = []
    if cls.apt_package:
        how.append(f"install it with `apt-get install -y {cls.apt_package}`")
    how.append(f"put its four files ({', '.join(cls.checksums)}) in a folder and set SHENDU_DATA to that folder")
    return CLIError(
        f"{cls.__name__}: the dataset files were not found (looked in {', '.join(looked) or 'no folder'}); "
        + " or ".join(how)
    )


def _load_data(name: str, augment: bool) -> tuple[Any, Any, Any, list[str]]:
    from . import datasets
    from .datasets import transforms as T
    from .utils.data import random_split

    train_transform = T.RandomHorizontalFlip() if augment else None
    if name in ("fashion-mnist", "mnist"):
        cls = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
        try:
            full, test = cls(train=True), cls(train=False)
        except datasets.DatasetNotFoundError:
            raise _dataset_missing(cls) from None
        classes = list(cls.classes)
        from .random import Generator

        train, val = random_split(full, [55000, 5000], generator=Generator().manual_seed(1234))
        if train_transform is not None:
            augmented = cls(train=True, transform=train_transform)
            train = type(train)(augmented, train.indices)
        return train, val, test, classes
    if name == "digits":
        full, test = datasets.Digits(train=True), datasets.Digits(train=False)
        from .random import Generator

        n_val = len(full) // 10
        train, val = random_split(full, [len(full) - n_val, n_val], generator=Generator().manual_seed(1234))
        return train, val, test, list(datasets.Digits.classes)
    raise CLIError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")


def _model_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    model, dataset = config["model"], config["dataset"]
    if dataset == "folder":
        from ._cli_folder import folder_model_kwargs

        return folder_model_kwargs(config)
    if dataset == "digits":
        return {"mlp": {"in_features": 64}, "cnn": {"image_size": 8}, "lstm": {"input_size": 8}}.get(model, {})
    return {}


def _check_tensorboard() -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise CLIError("--tensorboard writes with the tensorboard package: pip install 'shendu[tensorboard]'") from None


def _eval_batch_size(dataset: Any) -> int:
    """Evaluation batches of about 4 million input values (1000 Fashion-MNIST images; fewer large ones)."""
    image = dataset[0][0]
    return min(1000, max(1, (1 << 22) // max(1, int(np.prod(image.shape)))))


def _make_optimizer(name: str, params: Any, lr: float) -> Any:
    from . import optim

    table = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD, "rmsprop": optim.RMSprop}
    if name not in table:
        raise CLIError(f"unknown optimizer {name!r}; choose one of {', '.join(table)}")
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    return table[name](params, lr=lr)


def _make_scheduler(name: str | None, optimizer: Any, epochs: int, steps_per_epoch: int) -> Any:
    from .optim import lr_scheduler
    from .train import LRSchedulerStep

    if name in (None, "none"):
        return None
    if name == "onecycle":
        max_lr = optimizer.param_groups[0]["lr"]
        sched = lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
        return LRSchedulerStep(sched, interval="iteration")
    if name == "cosine":
        return LRSchedulerStep(lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs))
    if name == "step":
        return LRSchedulerStep(lr_scheduler.StepLR(optimizer, step_size=max(epochs // 3, 1), gamma=0.1))
    raise CLIError(f"unknown scheduler {name!r}; choose one of none, onecycle, cosine, step")


def _check_resume(checkpoint: Path, state: dict[str, Any], settings: dict[str, Any], seed: int) -> None:
    """Refuse to resume a run under different settings, which could not continue it faithfully."""
    saved = state["config"] if isinstance(state["config"], dict) else {}
    wanted = {**settings, "seed": seed}
    fixed = [
        k
        for k in (
            "model",
            "dataset",
            "batch_size",
            "lr",
            "optimizer",
            "scheduler",
            "seed",
            "augment",
            "data",
            "image_size",
            "val_split",
        )
        if saved.get(k) != wanted.get(k)
    ]
    if saved.get("scheduler") == "onecycle" and saved.get("epochs") != wanted.get("epochs"):
        fixed.append("epochs (the one-cycle schedule is laid out for the original count)")
    if fixed:
        changes = ", ".join(
            f"{k.split(' ')[0]} {saved.get(k.split(' ')[0])!r} -> {wanted.get(k.split(' ')[0])!r}" for k in fixed
        )
        raise CLIError(
            f"cannot resume {checkpoint} with different settings ({changes}); use the original settings or a new --name"
        )
    if state["epoch"] >= settings["epochs"]:
        raise CLIError(
            f"the run in {checkpoint.parent} already finished its {state['epoch']} epochs, so there is nothing to "
            "resume; train longer with a larger --epochs (not with the onecycle scheduler), start over with "
            "--overwrite, or pick a new --name"
        )


def _prepare_run_folder(
    out_dir: Path, args: argparse.Namespace, settings: dict[str, Any], world_size: int
) -> dict[str, Any] | None:
    """Check the run folder before anything is written; returns the checkpoint to resume, if any."""
    from .io import CheckpointError, check_no_symlinks, load
    from .train.distributed import check_world_size
    from .train.resume import check_resumable

    if out_dir.exists() and not out_dir.is_dir():
        raise CLIError(f"the run folder {str(out_dir)!r} exists and is not a folder; pick another --out or --name")
    check_no_symlinks(out_dir)
    checkpoint = out_dir / "last.ckpt"
    if args.resume:
        if not checkpoint.exists():
            raise CLIError(f"--resume: there is no checkpoint at {checkpoint}; drop --resume to start a new run")
        try:
            state = load(checkpoint)
            callbacks = state.get("callbacks") if isinstance(state, dict) else None
            check_resumable(state, checkpoint, len(callbacks) if isinstance(callbacks, list) else 0)
        except CheckpointError as exc:
            raise CLIError(f"--resume: {exc}") from None
        # The number of processes first, so that its message, which says how to resume, comes before any other.
        check_world_size(checkpoint, world_size, state)
        _check_resume(checkpoint, state, settings, args.seed)
        return state
    existing = [name for name in RUN_FILES if (out_dir / name).exists()]
    if existing and not args.overwrite:
        raise CLIError(
            f"{out_dir} already holds a run ({', '.join(existing)}); continue it with --resume, start over with "
            "--overwrite (which deletes those files), or pick another --name"
        )
    return None


def _remove_event_files(folder: Path) -> None:
    """--overwrite: the old run's TensorBoard event files would show beside the new run's."""
    if folder.is_dir() and not folder.is_symlink():
        for events in folder.glob("events.out.tfevents.*"):
            events.unlink(missing_ok=True)


def _created_folders(out_dir: Path) -> list[Path]:
    """The folders that creating ``out_dir`` will add, deepest first (removed again if nothing is written)."""
    missing = []
    for folder in (out_dir, *out_dir.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _check_model_fits(model_name: str, dataset: str) -> None:
    """Refuse a model that cannot take the dataset's images, before anything is loaded or written."""
    from . import no_grad, zeros
    from .errors import ShenduError
    from .models import MODELS, build_model

    side = 8 if dataset == "digits" else 28

    def problem(name: str) -> str | None:
        model = build_model(name, **_model_kwargs({"model": name, "dataset": dataset}))
        model.eval()
        try:
            with no_grad():
                model(zeros(2, 1, side, side))
        except ShenduError as exc:
            return one_line(str(exc))
        return None

    why = problem(model_name)
    if why is not None:
        good = [name for name in sorted(MODELS) if name != model_name and problem(name) is None]
        raise CLIError(
            f"--model {model_name} cannot take the {side}x{side} images of --dataset {dataset} ({why}); "
            f"with {dataset} use --model {' or '.join(good)}"
        )


def cmd_train(args: argparse.Namespace) -> int:
    from .io import ensure_writable_folder
    from .models import MODELS
    from .train import distributed as data_parallel

    settings = dict(PRESETS[args.preset])
    for key in ("model", "dataset", "epochs", "batch_size", "lr", "optimizer", "scheduler"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    if settings["model"] not in MODELS:
        raise CLIError(f"unknown model {settings['model']!r}; choose one of {', '.join(sorted(MODELS))}")
    if settings["dataset"] not in DATASETS:
        raise CLIError(f"unknown dataset {settings['dataset']!r}; choose one of {', '.join(DATASETS)}")
    from ._cli_folder import folder_settings

    folder_settings(args, settings)
    if args.tensorboard:
        _check_tensorboard()
    _check_data_env()
    if settings["dataset"] != "folder":
        _check_model_fits(settings["model"], settings["dataset"])
    data_name = Path(settings["data"]).name if settings["dataset"] == "folder" else settings["dataset"]
    name = args.name or f"{settings['model']}-{data_name}"
    out_dir = Path(args.out) / name
    rank, world_size = data_parallel.start(args.distributed)
    # Rank 0 alone owns the run folder; the others only read the checkpoint they resume from.
    resume_state = _prepare_run_folder(out_dir, args, settings, world_size) if rank == 0 or args.resume else None
    threads = args.threads if args.threads is not None else settings.get("threads")
    if threads is not None:
        from . import set_num_threads

        set_num_threads(threads)
    if rank:
        return _run_training(args, settings, name, out_dir, resume_state, rank, world_size)
    created = _created_folders(out_dir)
    ensure_writable_folder(out_dir)
    try:
        return _run_training(args, settings, name, out_dir, resume_state, rank, world_size)
    except BaseException:
        _remove_if_empty(created)  # a run that stopped before writing anything leaves no empty folder
        raise


def _run_training(
    args: argparse.Namespace,
    settings: dict[str, Any],
    name: str,
    out_dir: Path,
    resume_state: dict[str, Any] | None,
    rank: int,
    world_size: int,
) -> int:
    from . import manual_seed, nn
    from .errors import OutOfMemoryError
    from .io import remove_stale_temporaries
    from .models import build_model
    from .random import Generator
    from .train import ModelCheckpoint, NonFiniteError, Trainer
    from .train import distributed as data_parallel
    from .utils.data import DataLoader

    started = time.time()
    manual_seed(args.seed)
    if settings["dataset"] == "folder":
        from ._cli_folder import load_folder

        train_set, val_set, classes, settings["image_mode"] = load_folder(settings, quiet=args.quiet)
        test_set = None
    else:
        train_set, val_set, test_set, classes = _load_data(settings["dataset"], settings.get("augment", False))
    if args.overwrite and rank == 0:
        for leftover in RUN_FILES:
            (out_dir / leftover).unlink(missing_ok=True)
            remove_stale_temporaries(out_dir / leftover)
        _remove_event_files(out_dir / "tensorboard")
    loader_generator = Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=settings["batch_size"], shuffle=True, generator=loader_generator)
    if args.distributed:
        train_loader = data_parallel.rank_loader(train_set, settings["batch_size"], loader_generator, rank, world_size)
    eval_batch = _eval_batch_size(val_set)
    val_loader = DataLoader(val_set, batch_size=eval_batch)
    model = build_model(settings["model"], **_model_kwargs({**settings, "classes": classes}))
    if rank:
        manual_seed(args.seed + rank)  # other dropout masks than rank 0's (the weights come from rank 0)
    if args.device != "cpu":
        model.to(args.device)
    optimizer = _make_optimizer(settings["optimizer"], model.parameters(), settings["lr"])
    callbacks: list[Any] = [ModelCheckpoint(out_dir, monitor="val_accuracy")]
    if args.tensorboard:
        from .train import TensorBoard

        callbacks.append(TensorBoard(out_dir / "tensorboard"))
    scheduler = _make_scheduler(settings["scheduler"], optimizer, settings["epochs"], len(train_loader))
    if scheduler is not None:
        callbacks.append(scheduler)
    if resume_state is not None and len(resume_state["callbacks"]) != len(callbacks):
        raise CLIError(f"--resume: {out_dir / 'last.ckpt'} was written with other callbacks than this run has")
    config = {**settings, "seed": args.seed, "classes": classes, "name": name}
    trainer = (data_parallel.DistributedTrainer if args.distributed else Trainer)(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=settings["epochs"],
        callbacks=callbacks,
        device=args.device,
        out_dir=out_dir,
        verbose=0 if args.quiet else 1,
        config=config,
        checkpoint_every=args.checkpoint_every,
    )
    start = time.perf_counter()
    try:
        trainer.fit(resume=args.resume)
        # Your own images have no separate test set: the held-out validation images stand in for it.
        test = trainer.evaluate(DataLoader(test_set, batch_size=eval_batch) if test_set is not None else val_loader)
    except NonFiniteError as exc:
        raise CLIError(f"{exc}; the run diverged: try a smaller --lr") from None
    except (MemoryError, OutOfMemoryError) as exc:
        raise CLIError(
            f"out of memory with batch size {settings['batch_size']} ({one_line(str(exc)) or 'MemoryError'}); "
            "try a smaller --batch-size"
        ) from None
    elapsed = time.perf_counter() - start
    if rank:
        return 0
    final_split = "test" if test_set is not None else "validation"
    # The result comes first: nothing optional below (the plots) can lose it.
    print(
        f"{final_split} accuracy {test['accuracy']:.4f}  {final_split} loss {test['loss']:.4f}  ({elapsed:.0f} s)",
        flush=True,
    )
    from .train.plots import plot_confusion_matrix, plot_history

    try:
        data_name = Path(settings["data"]).name if settings["dataset"] == "folder" else settings["dataset"]
        what = f"{settings['model']} on {data_name}"
        plot_history(trainer.history, out_dir, test=test if test_set is not None else None, title=what)
        accuracy = f"{final_split} set, accuracy {test['accuracy']:.4f}"
        plot_confusion_matrix(
            test["confusion_matrix"], classes, out_dir / "confusion_matrix.png", title=f"{what} ({accuracy})"
        )
    except ImportError as exc:
        print(f"plots skipped: {exc}")
    written = [f for f in RUN_FILES if (out_dir / f).exists() and (out_dir / f).stat().st_mtime >= started - 1]
    print(f"wrote {out_dir}/: {', '.join(written)}")
    if args.tensorboard:
        print(f"TensorBoard logs in {out_dir / 'tensorboard'}/; view them with: tensorboard --logdir {args.out}")
    return 0


def _load_trained(path: str) -> tuple[Any, dict[str, Any]]:
    from .io import load
    from .models import MODELS, build_model

    state = load(path)
    if not (isinstance(state, dict) and isinstance(state.get("model"), dict) and isinstance(state.get("config"), dict)):
        raise CLIError(f"{path!r} is not a checkpoint written by `shendu train` (no model or config inside)")
    config = state["config"]
    if config.get("model") not in MODELS or config.get("dataset") not in (*DATASETS, "folder"):
        raise CLIError(
            f"{path!r} names model {config.get('model')!r} and dataset {config.get('dataset')!r}; "
            f"`shendu train` writes models {', '.join(sorted(MODELS))} and datasets {', '.join(DATASETS)} "
            "(or your own images with --data)"
        )
    classes = config.get("classes")
    if not (isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)):
        raise CLIError(f"{path!r} has no list of class names in its config")
    size, mode = config.get("image_size", 1), config.get("image_mode", "L")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise CLIError(f"{path!r} has a damaged config: image_size {size!r}, expected a positive integer")
    if mode not in ("L", "RGB"):
        raise CLIError(f"{path!r} has a damaged config: image_mode {mode!r}, expected 'L' or 'RGB'")
    nonfinite = [
        key
        for key, value in state["model"].items()
        if (array := getattr(value, "_array", value)) is not None
        and isinstance(array, np.ndarray)
        and array.dtype.kind == "f"
        and not np.isfinite(array).all()
    ]
    if nonfinite:
        raise CLIError(
            f"{path!r} holds non-finite weights (NaN or Inf in {', '.join(nonfinite[:3])}"
            f"{', ...' if len(nonfinite) > 3 else ''}): the run diverged; train again with a smaller --lr"
        )
    model = build_model(config["model"], **_model_kwargs(config))
    model.load_state_dict(state["model"])
    model.eval()
    return model, config


def cmd_eval(args: argparse.Namespace) -> int:
    from . import nn
    from .train import Trainer
    from .utils.data import DataLoader

    model, config = _load_trained(args.checkpoint)
    if config["dataset"] == "folder":
        from ._cli_folder import folder_eval_set

        test_set, where = folder_eval_set(config, args.data)
    elif args.data is not None:
        raise CLIError(f"--data evaluates models trained with --data; this one was trained on {config['dataset']}")
    else:
        _check_data_env()
        _, _, test_set, _ = _load_data(config["dataset"], False)
        where = f"{config['dataset']} test set"
    trainer = Trainer(model, None, nn.CrossEntropyLoss(), [], verbose=0)
    result = trainer.evaluate(DataLoader(test_set, batch_size=_eval_batch_size(test_set)))
    print(f"{config['model']} on {where}: accuracy {result['accuracy']:.4f}, loss {result['loss']:.4f}")
    return 0


def _read_image(path: str, side: int, mode: str) -> np.ndarray:
    """A ``(1, C, side, side)`` float32 image in [0, 1] in Pillow's ``mode`` (resized as `train --data`
    resizes), or a CLIError naming the file."""
    try:
        from PIL import Image
    except ImportError:
        raise CLIError("predict reads images with Pillow: pip install 'shendu[images]'") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise CLIError(
                        f"image {path!r} is {width}x{height} pixels, more than the {MAX_IMAGE_PIXELS:,} predict "
                        f"reads; it is scaled to {side}x{side} anyway, so shrink it first"
                    )
                small = image.convert(mode).resize((side, side), Image.Resampling.BILINEAR)
    except CLIError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, Image.DecompressionBombError, Warning) as exc:
        raise CLIError(f"cannot read image {path!r}: {one_line(str(exc)) or type(exc).__name__}") from None
    pixels = np.asarray(small, dtype=np.float32) / np.float32(255)
    return pixels[None, None] if pixels.ndim == 2 else np.ascontiguousarray(pixels.transpose(2, 0, 1))[None]


def cmd_predict(args: argparse.Namespace) -> int:
    from . import no_grad
    from .tensor import Tensor

    model, config = _load_trained(args.checkpoint)
    side = config.get("image_size", 8 if config["dataset"] == "digits" else 28)
    classes = config["classes"]
    for path in args.images:
        pixels = _read_image(path, side, config.get("image_mode", "L"))
        with no_grad():
            scores = model(Tensor._make(pixels)).numpy()
        if scores.shape[1] != len(classes):
            raise CLIError(f"{args.checkpoint!r} has {scores.shape[1]} outputs but names {len(classes)} classes")
        probs = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        best = int(probs.argmax())
        print(f"{path}: {classes[best]} ({probs[0, best]:.1%})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .onnx import OnnxExportError, export
    from .onnx._exporter import _write_atomically

    batch = args.batch
    if not args.output or args.output.endswith(("/", os.sep)):
        example = os.path.join(args.output, "model.onnx")
        raise CLIError(f"OUTPUT {args.output!r} is not a file name; give the file to write, e.g. {example!r}")
    target = Path(args.output)
    if target.exists() and not args.force:
        raise CLIError(f"{str(target)!r} already exists; pass --force to replace it")
    model, config = _load_trained(args.checkpoint)
    side = config.get("image_size", 8 if config["dataset"] == "digits" else 28)
    channels = 1 if config.get("image_mode", "L") == "L" else 3
    from . import no_grad
    from .tensor import Tensor

    dynamic = {"images": {0: "batch"}, "logits": {0: "batch"}} if batch is None else None
    try:
        # Pixel-like values rather than zeros, so that the exporter's second run (on shifted values) can tell
        # a graph that depends on the input's values.
        pixels = np.random.default_rng(0).random((batch or 1, channels, side, side), dtype=np.float32)
        with no_grad():
            outputs = model(Tensor._make(pixels[:1])).shape[-1]
        if outputs != len(config["classes"]):
            raise CLIError(
                f"{args.checkpoint!r} has {outputs} outputs but names {len(config['classes'])} classes "
                "(a damaged config); nothing written"
            )
        buffer = io.BytesIO()
        export(
            model, Tensor._make(pixels), buffer, input_names=["images"], output_names=["logits"], dynamic_axes=dynamic
        )
        # Linked into place without --force, so that a file created during the export is not replaced either.
        _write_atomically(target, buffer.getvalue(), replace=args.force)
    except FileExistsError:
        raise CLIError(f"{str(target)!r} already exists; pass --force to replace it") from None
    except OnnxExportError as exc:
        raise CLIError(str(exc).removeprefix("export: ")) from None
    except MemoryError:
        raise CLIError(
            f"out of memory with --batch {batch}: the export runs the model on a batch of that size; "
            "pass a smaller --batch, or --batch dynamic for a file that takes any batch size"
        ) from None
    size = "batch" if batch is None else str(batch)
    shape = f"({size}, {channels}, {side}, {side})"
    print(
        f"wrote {target}: {config['model']} on {config['dataset']}, input images {shape} float32, "
        f"output logits ({size}, {outputs})"
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import shendu

    from . import backend

    print(f"shendu {shendu.__version__}")
    print(f"python {platform.python_version()} on {platform.platform()}")
    print(f"numpy {np.__version__}")
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        print(f"blas: {pool.get('internal_api')} {pool.get('version')} ({pool.get('num_threads')} threads)")
    print(f"cpu cores: {os.cpu_count()}")
    if backend.is_available():
        print(f"cuda: available, {backend.device_count()} GPU(s)")
    else:
        print(f"cuda: not available ({backend.unavailable_reason()})")
    return 0


def _lab_experiment(question: str) -> Any:
    from . import lab

    try:
        if not question.isascii():
            raise ValueError(question)  # int() would read other scripts' digits as numbers
        return lab.get(question)
    except KeyError as exc:
        raise CLIError(str(exc.args[0])) from None
    except ValueError:
        raise CLIError(
            f"lab: no experiment {question!r}; known: "
            + ", ".join(f"{e.number} ({e.slug})" for e in lab.all_experiments())
        ) from None


def cmd_lab(args: argparse.Namespace) -> int:
    from . import lab
    from .io import atomic_write_bytes, ensure_writable_folder

    if args.lab_command == "list":
        for exp in lab.all_experiments():
            print(f"{exp.number:2d}  {exp.slug:32s} {exp.question}")
        return 0
    if args.lab_command == "run":
        exp = _lab_experiment(args.question)
        out = ensure_writable_folder(args.out) if args.out else None
        result = lab.run(exp, seed=args.seed, quick=args.quick, full=args.full)
        print(f"{exp.number}. {exp.question}\n")
        for key, value in result.numbers.items():
            print(f"  {key:40s} {value:.4g}" if isinstance(value, float) else f"  {key:40s} {value}")
        for line in result.outcome.notes:
            print(line)
        verdict = result.verdict
        print(
            f"\n{verdict.status.upper()}: {verdict.sentence}  ({result.seconds:.1f} s, {result.mode} mode)", flush=True
        )
        if out is not None:
            names = [f"q{exp.number:02d}-{name}.png" for name in result.outcome.figures]
            for name, figure in zip(names, result.outcome.figures.values()):
                atomic_write_bytes(out / name, figure.png)
            print(f"{count(len(names), 'figure')} written to {out}/: {', '.join(names)}")
        elif result.outcome.figures:
            figures = count(len(result.outcome.figures), "figure")
            print(f"{figures} not written; add --out DIR to keep them as PNG files")
        return 0
    out = ensure_writable_folder(args.out)
    results = []
    for exp in lab.all_experiments():
        print(f"running {exp.number}. {exp.slug} ...", flush=True)
        results.append(lab.run(exp, seed=args.seed, quick=args.quick, full=args.full))
        print(f"  {results[-1].verdict.status} in {results[-1].seconds:.1f} s")
    path = lab.write_report(results, out, lang=args.lang)
    print(f"report written to {path}")
    return 0


TRAIN_EPILOG = """\
An existing run is never replaced silently. If OUT/NAME already holds a run (last.ckpt,
best.safetensors, history or plots), `shendu train` stops with a one-line message: add --resume to
continue it from last.ckpt (with the same settings; the result equals an uninterrupted run bit for
bit), --overwrite to delete those files and start over, or pick another --name. --resume without a
last.ckpt, or on a run that already finished its epochs, is an error too.

Ctrl-C or SIGTERM stops at the end of the running batch: with --checkpoint-every N the state at that
point is saved first; without it the partial epoch is lost (the message says how much) and --resume
continues from the last finished epoch. Every file is written atomically, never through a symlink.
"""


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .models import MODELS

    parser = OneLineParser(
        prog="shendu",
        description="Train, evaluate and explore deep learning models.",
        epilog="Errors are one line; --debug (anywhere on the line) shows the traceback of an unexpected one.",
    )
    parser.add_argument("--version", action="version", version=f"shendu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser(
        "train",
        help="train a model on a dataset",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("--preset", choices=sorted(PRESETS), default="default", help="a documented set of settings")
    train.add_argument("--model", choices=sorted(MODELS), help="model architecture (default: cnn)")
    train.add_argument("--dataset", choices=DATASETS, help="dataset (default: fashion-mnist)")
    train.add_argument("--epochs", type=positive_int, help="number of epochs")
    train.add_argument("--batch-size", type=positive_int, help="samples per batch")
    train.add_argument("--lr", type=positive_float, help="learning rate (the peak rate with onecycle)")
    train.add_argument("--optimizer", choices=["adam", "adamw", "sgd", "rmsprop"])
    train.add_argument("--scheduler", choices=["none", "onecycle", "cosine", "step"])
    train.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    train.add_argument("--seed", type=random_seed, default=0, help="random seed, in [0, 2**63 - 1] (default: 0)")
    train.add_argument("--out", default="runs", help="parent folder of the run folder")
    train.add_argument(
        "--name", type=run_name, help="run folder name (default: MODEL-DATASET, or MODEL-DIR with --data)"
    )
    existing_run = train.add_mutually_exclusive_group()
    existing_run.add_argument("--resume", action="store_true", help="continue the run in OUT/NAME from last.ckpt")
    existing_run.add_argument(
        "--overwrite", action="store_true", help="delete the run in OUT/NAME (if any) and start over"
    )
    train.add_argument("--checkpoint-every", type=positive_int, help="also checkpoint every N iterations")
    train.add_argument("--quiet", action="store_true", help="no progress output")
    train.add_argument("--threads", type=positive_int, help="BLAS threads (default: the preset's, 1)")
    train.add_argument(
        "--tensorboard", action="store_true", help="log each epoch to OUT/NAME/tensorboard for TensorBoard"
    )
    train.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel over the processes of `mpirun -np N` (the batch is split over them)",
    )
    images = train.add_argument_group("your own images")
    images.add_argument("--data", metavar="DIR", help="train on the images in DIR/<class>/<image> (PNG, JPEG...)")
    images.add_argument(
        "--image-size", type=positive_int, metavar="N", help="resize every image to N x N (default: 64)"
    )
    images.add_argument("--val-split", type=float, metavar="F", help="share held out for validation (default: 0.2)")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("eval", help="evaluate a trained checkpoint on its test set")
    evaluate.add_argument("checkpoint", type=existing_file)
    evaluate.add_argument("--data", metavar="DIR", help="for a model trained with --data: the images to evaluate on")
    evaluate.set_defaults(func=cmd_eval)

    predict = sub.add_parser("predict", help="classify image files with a trained checkpoint")
    predict.add_argument("checkpoint", type=existing_file)
    predict.add_argument("images", nargs="+", type=existing_file)
    predict.set_defaults(func=cmd_predict)

    export = sub.add_parser("export", help="write a trained checkpoint as an ONNX model (for onnxruntime)")
    export.add_argument("checkpoint", type=existing_file)
    export.add_argument("output", help="the .onnx file to write")
    export.add_argument(
        "--batch", type=batch_or_dynamic, default=1, help="the batch size, or 'dynamic' for any (default: 1)"
    )
    export.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    export.set_defaults(func=cmd_export)

    lab_parser = sub.add_parser("lab", help="interview questions answered by experiments")
    lab_sub = lab_parser.add_subparsers(dest="lab_command", required=True)
    lab_sub.add_parser("list", help="list the questions")
    lab_run = lab_sub.add_parser("run", help="run one experiment: by number or name")
    lab_run.add_argument("question")
    lab_report = lab_sub.add_parser("report", help="run every experiment and write an HTML report")
    lab_report.add_argument("--out", required=True, help="folder for index.html")
    lab_report.add_argument("--lang", choices=["en", "zh"], default="en", help="the report's language (default: en)")
    for p in (lab_run, lab_report):
        p.add_argument("--seed", type=random_seed, default=0, help="random seed, in [0, 2**63 - 1] (default: 0)")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--quick", action="store_true", help="the fast mode CI uses (<= 10 s each)")
        mode.add_argument("--full", action="store_true", help="longer runs that reproduce more closely")
    lab_run.add_argument("--out", help="folder for the figures")
    lab_parser.set_defaults(func=cmd_lab)

    info = sub.add_parser("info", help="versions, BLAS, threads and devices")
    info.set_defaults(func=cmd_info)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM outside the training loop (which handles it itself), raised like Ctrl-C."""


def _terminate(signum: int, frame: Any) -> None:
    raise _Terminated


def _message(exc: BaseException) -> str:
    """One line for an error that reached the top (a bug in shendu gets a pointer to --debug)."""
    from .errors import ShenduError

    if isinstance(exc, (CLIError, ShenduError)):
        return one_line(str(exc))
    if isinstance(exc, MemoryError):
        return "out of memory; try smaller inputs or a smaller --batch-size"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename!r}" if exc.filename else ""
        return f"cannot access{where}: {exc.strerror}"
    return one_line(
        f"unexpected {type(exc).__name__}: {exc} (this is a bug in shendu; rerun with --debug for the traceback "
        "and report it)"
    )


def _interrupted(exc: KeyboardInterrupt) -> tuple[str, int]:
    from .train import TrainingInterrupted

    if isinstance(exc, TrainingInterrupted):
        if exc.checkpoint is not None:
            hint = "; rerun the same command with --resume to continue"
        else:
            hint = "; add --checkpoint-every N to save mid-epoch next time"
        if exc.lost_iterations and exc.checkpoint is not None:
            hint += " (add --checkpoint-every N to save mid-epoch)"
        return f"{exc}{hint}", 143 if exc.signal_name == "SIGTERM" else 130
    if isinstance(exc, _Terminated):
        return "stopped by SIGTERM", 143
    return "interrupted", 130


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shendu`` console script: every error is one line on stderr, no traceback."""
    arguments, debug = debug_requested(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(arguments)
    command = f"shendu {args.command}"
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # `shendu lab list | head -1`: the reader left; stop quietly, as other command-line tools do.
        stdout_closed()
        return 141
    except KeyboardInterrupt as exc:
        message, code = _interrupted(exc)
        print(f"{command}: {_rank_prefix()}{message}", file=sys.stderr)
        _abort_job(code)
        return code
    except Exception as exc:
        if debug:
            raise
        print(f"{command}: {_rank_prefix()}{_message(exc)}", file=sys.stderr)
        _abort_job(1)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _rank_prefix() -> str:
    from .distributed.process_group import describe_rank

    where = describe_rank()
    return f"{where}: " if where else ""


def _abort_job(code: int) -> None:
    """In a distributed run, end every rank: the others would wait for this one until their timeout."""
    from .distributed.process_group import abort

    abort(code)


if __name__ == "__main__":
    sys.exit(main())
