"""``python -m cikuang`` and the ``cikuang`` command: the command line (:mod:`cikuang.cli`).

The command's modules (NumPy among them) load inside ``main``, and its options are parsed there,
so that a Ctrl-C while they load ends the run as any other Ctrl-C does (``cikuang: interrupted``,
exit 130), not with a traceback (bench/faults.py, sigint-segment: SIGINT 0.3 s into a 0.6 s run).
What runs before this module (the interpreter's start, the console script's ``import re``: some
20 ms) is Python's own.
"""
import sys


def main() -> None:
    try:
        from .cli import main as cli_main

        cli_main()  # (a Ctrl-C while a command runs is caught there; this is for its start)
    except KeyboardInterrupt:
        sys.stderr.write("cikuang: interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
