"""The ``shendu`` command: train, eval, predict, info (and lab, for the interview-question experiments)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._text import count

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


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def _load_data(name: str, augment: bool) -> tuple[Any, Any, Any, list[str]]:
    from . import datasets
    from .datasets import transforms as T
    from .utils.data import random_split

    train_transform = T.RandomHorizontalFlip() if augment else None
    if name in ("fashion-mnist", "mnist"):
        cls = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
        full, test = cls(train=True), cls(train=False)
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


def _check_out_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise CLIError(f"cannot write to the output folder {str(path)!r}: {exc.strerror or exc}") from None


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


def _check_resume(checkpoint: Path, settings: dict[str, Any], seed: int) -> None:
    """Refuse to resume a run under different settings, which could not continue it faithfully."""
    if not checkpoint.exists():
        return
    from .io import load

    saved = load(checkpoint).get("config", {})
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


def cmd_train(args: argparse.Namespace) -> int:
    from . import manual_seed, nn
    from .models import MODELS, build_model
    from .random import Generator
    from .train import ModelCheckpoint, Trainer
    from .utils.data import DataLoader

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
    threads = args.threads if args.threads is not None else settings.get("threads")
    if threads is not None:
        from . import set_num_threads

        set_num_threads(threads)
    data_name = Path(settings["data"]).name if settings["dataset"] == "folder" else settings["dataset"]
    name = args.name or f"{settings['model']}-{data_name}"
    out_dir = Path(args.out) / name
    _check_out_dir(out_dir)
    if args.resume:
        _check_resume(out_dir / "last.ckpt", settings, args.seed)
    manual_seed(args.seed)
    if settings["dataset"] == "folder":
        from ._cli_folder import load_folder

        train_set, val_set, classes, settings["image_mode"] = load_folder(settings, quiet=args.quiet)
        test_set = None
    else:
        train_set, val_set, test_set, classes = _load_data(settings["dataset"], settings.get("augment", False))
    loader_generator = Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_set, batch_size=settings["batch_size"], shuffle=True, generator=loader_generator)
    eval_batch = _eval_batch_size(val_set)
    val_loader = DataLoader(val_set, batch_size=eval_batch)
    model = build_model(settings["model"], **_model_kwargs({**settings, "classes": classes}))
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
    config = {**settings, "seed": args.seed, "classes": classes, "name": name}
    trainer = Trainer(
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
    trainer.fit(resume=args.resume)
    # Your own images have no separate test set: the held-out validation images stand in for it.
    final_split = "test" if test_set is not None else "validation"
    test = trainer.evaluate(DataLoader(test_set, batch_size=eval_batch) if test_set is not None else val_loader)
    elapsed = time.perf_counter() - start
    from .train.plots import plot_confusion_matrix, plot_history

    try:
        what = f"{settings['model']} on {data_name}"
        plot_history(trainer.history, out_dir, test=test if test_set is not None else None, title=what)
        accuracy = f"{final_split} set, accuracy {test['accuracy']:.4f}"
        plot_confusion_matrix(
            test["confusion_matrix"], classes, out_dir / "confusion_matrix.png", title=f"{what} ({accuracy})"
        )
    except ImportError as exc:
        print(f"plots skipped: {exc}")
    print(f"{final_split} accuracy {test['accuracy']:.4f}  {final_split} loss {test['loss']:.4f}  ({elapsed:.0f} s)")
    print(f"wrote {out_dir}/: last.ckpt, best.safetensors, history.csv, history.json, plots")
    if args.tensorboard:
        print(f"TensorBoard logs in {out_dir / 'tensorboard'}/; view them with: tensorboard --logdir {args.out}")
    return 0


def _load_trained(path: str) -> tuple[Any, dict[str, Any]]:
    from .io import load
    from .models import build_model

    state = load(path)
    if "model" not in state or "config" not in state:
        raise CLIError(f"{path!r} is not a checkpoint written by `shendu train` (no model or config inside)")
    config = state["config"]
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
        _, _, test_set, _ = _load_data(config["dataset"], False)
        where = f"{config['dataset']} test set"
    trainer = Trainer(model, None, nn.CrossEntropyLoss(), [], verbose=0)
    result = trainer.evaluate(DataLoader(test_set, batch_size=_eval_batch_size(test_set)))
    print(f"{config['model']} on {where}: accuracy {result['accuracy']:.4f}, loss {result['loss']:.4f}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from . import no_grad
    from .tensor import Tensor

    model, config = _load_trained(args.checkpoint)
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise CLIError("predict reads images with Pillow: pip install 'shendu[images]'") from None
    from .train.folder_data import load_pixels

    side = config.get("image_size", 8 if config["dataset"] == "digits" else 28)
    for path in args.images:
        pixels = load_pixels(path, side, config.get("image_mode", "L"))[None].astype(np.float32) / np.float32(255)
        with no_grad():
            scores = model(Tensor._make(pixels))
        probs = np.exp(scores._array - scores._array.max()) / np.exp(scores._array - scores._array.max()).sum()
        best = int(probs.argmax())
        print(f"{path}: {config['classes'][best]} ({probs[0, best]:.1%})")
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


def cmd_lab(args: argparse.Namespace) -> int:
    from . import lab

    if args.lab_command == "list":
        for exp in lab.all_experiments():
            print(f"{exp.number:2d}  {exp.slug:32s} {exp.question}")
        return 0
    if args.lab_command == "run":
        try:
            exp = lab.get(args.question)
        except KeyError as exc:
            raise CLIError(str(exc.args[0])) from None
        result = lab.run(exp, seed=args.seed, quick=args.quick, full=args.full)
        print(f"{exp.number}. {exp.question}\n")
        for key, value in result.numbers.items():
            print(f"  {key:40s} {value:.4g}" if isinstance(value, float) else f"  {key:40s} {value}")
        for line in result.outcome.notes:
            print(line)
        mark = "REPRODUCED" if result.verdict.passed else "NOT REPRODUCED"
        print(f"\n{mark}: {result.verdict.sentence}  ({result.seconds:.1f} s, {result.mode} mode)")
        if args.out:
            out = Path(args.out)
            _check_out_dir(out)
            names = [f"q{exp.number:02d}-{name}.png" for name in result.outcome.figures]
            for name, png in zip(names, result.outcome.figures.values()):
                (out / name).write_bytes(png)
            print(f"{count(len(names), 'figure')} written to {out}/: {', '.join(names)}")
        elif result.outcome.figures:
            figures = count(len(result.outcome.figures), "figure")
            print(f"{figures} not written; add --out DIR to keep them as PNG files")
        return 0
    out = Path(args.out)
    _check_out_dir(out)
    results = []
    for exp in lab.all_experiments():
        print(f"running {exp.number}. {exp.slug} ...", flush=True)
        results.append(lab.run(exp, seed=args.seed, quick=args.quick, full=args.full))
        print(f"  {'reproduced' if results[-1].verdict.passed else 'NOT reproduced'} in {results[-1].seconds:.1f} s")
    path = lab.write_report(results, out)
    print(f"report written to {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .models import MODELS

    parser = argparse.ArgumentParser(prog="shendu", description="Train, evaluate and explore deep learning models.")
    parser.add_argument("--version", action="version", version=f"shendu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model on a dataset")
    train.add_argument("--preset", choices=sorted(PRESETS), default="default", help="a documented set of settings")
    train.add_argument("--model", choices=sorted(MODELS), help="model architecture (default: cnn)")
    train.add_argument("--dataset", choices=DATASETS, help="dataset (default: fashion-mnist)")
    train.add_argument("--epochs", type=int, help="number of epochs")
    train.add_argument("--batch-size", type=int, help="samples per batch")
    train.add_argument("--lr", type=float, help="learning rate (the peak rate with onecycle)")
    train.add_argument("--optimizer", choices=["adam", "adamw", "sgd", "rmsprop"])
    train.add_argument("--scheduler", choices=["none", "onecycle", "cosine", "step"])
    train.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="runs", help="parent folder of the run folder")
    train.add_argument("--name", help="run folder name (default: MODEL-DATASET, or MODEL-DIR with --data)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/NAME/last.ckpt")
    train.add_argument("--checkpoint-every", type=int, help="also checkpoint every N iterations")
    train.add_argument("--quiet", action="store_true", help="no progress output")
    train.add_argument("--threads", type=int, help="BLAS threads (default: the preset's, 1)")
    train.add_argument(
        "--tensorboard", action="store_true", help="log each epoch to OUT/NAME/tensorboard for TensorBoard"
    )
    images = train.add_argument_group("your own images")
    images.add_argument("--data", metavar="DIR", help="train on the images in DIR/<class>/<image> (PNG, JPEG...)")
    images.add_argument("--image-size", type=int, metavar="N", help="resize every image to N x N (default: 64)")
    images.add_argument("--val-split", type=float, metavar="F", help="share held out for validation (default: 0.2)")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("eval", help="evaluate a trained checkpoint on its test set")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--data", metavar="DIR", help="for a model trained with --data: the images to evaluate on")
    evaluate.set_defaults(func=cmd_eval)

    predict = sub.add_parser("predict", help="classify image files with a trained checkpoint")
    predict.add_argument("checkpoint")
    predict.add_argument("images", nargs="+")
    predict.set_defaults(func=cmd_predict)

    lab_parser = sub.add_parser("lab", help="interview questions answered by experiments")
    lab_sub = lab_parser.add_subparsers(dest="lab_command", required=True)
    lab_sub.add_parser("list", help="list the questions")
    lab_run = lab_sub.add_parser("run", help="run one experiment: by number or name")
    lab_run.add_argument("question")
    lab_report = lab_sub.add_parser("report", help="run every experiment and write an HTML report")
    lab_report.add_argument("--out", required=True, help="folder for index.html")
    for p in (lab_run, lab_report):
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--quick", action="store_true", help="the fast mode CI uses (<= 10 s each)")
        p.add_argument("--full", action="store_true", help="longer runs that reproduce more closely")
    lab_run.add_argument("--out", help="folder for the figures")
    lab_parser.set_defaults(func=cmd_lab)

    info = sub.add_parser("info", help="versions, BLAS, threads and devices")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``shendu`` console script."""
    from .datasets import DatasetNotFoundError
    from .errors import ShenduError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CLIError, DatasetNotFoundError, ShenduError) as exc:
        print(f"shendu {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"shendu {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
