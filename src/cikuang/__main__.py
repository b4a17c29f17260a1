"""``python -m cikuang``: the command line."""
from .cli import main

main()
