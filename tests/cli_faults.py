"""``python -m tests.cli_faults FAULT ARGS...``: the ``shendu`` command with a fault the machine cannot be asked for.

Faults:
    plots-hit-file-limit: as the plots start, limit files to 4 KiB (RLIMIT_FSIZE), so that the kernel
        refuses to write past it ("File too large"), as a full disk would; the checkpoints before it
        are written normally.
    lab-figures-hit-file-limit: the same limit once the experiment has run, as `lab run --out` writes its figures.
    memory-limit-3g: limit the address space to 3 GiB, so that a huge batch runs out of memory.
"""

from __future__ import annotations

import resource
import signal
import sys


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write then fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def main() -> None:
    fault, args = sys.argv[1], sys.argv[2:]
    if fault == "plots-hit-file-limit":
        import shendu.train.plots as plots

        real = plots.plot_history

        def plot_history(*a: object, **k: object) -> object:
            limit_file_size()
            return real(*a, **k)

        plots.plot_history = plot_history
    elif fault == "lab-figures-hit-file-limit":
        import shendu.lab as lab

        real_run = lab.run

        def run(*a: object, **k: object) -> object:
            result = real_run(*a, **k)
            limit_file_size()
            return result

        lab.run = run
    elif fault == "memory-limit-3g":
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    else:
        raise SystemExit(f"unknown fault {fault!r}")
    from shendu.cli import main as shendu_main

    sys.argv = ["shendu", *args]
    sys.exit(shendu_main(args))


if __name__ == "__main__":
    main()
