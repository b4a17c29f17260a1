"""The C allocator of the command-line process: hold a small ``--memory`` budget for the whole process.

glibc's malloc serves an allocation of up to its *mmap threshold* from its heaps, and raises that
threshold (up to 32 MB) every time a larger block that was mmapped is freed. Counting allocates and
frees NumPy arrays of a few MB block after block, so after the first blocks they all come from the
heaps, and the freed ones fragment them: `count --memory 64M` on bench-real peaked at 245 MB, of
which some 100 MB were free but not given back (``malloc_trim`` returns it). A fixed threshold of
4 MB keeps those arrays in their own mappings, given back when freed: the same run peaks at 157 MB,
for about 0.4 s more system time on a 7 s `discover` (docs/benchmarks.md, "Fault cases").

The CLI asks for it when the budget is below the default (a user who sets a small budget wants it
held); the library never changes the process's allocator by itself.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = 4 << 20


def hold_freed_memory(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1
