"""``python -m cikuang``: the command line (the same as the ``cikuang`` script)."""
from .cli import main

if __name__ == "__main__":
    main()
