"""The C allocator of the command-line process, set for its ``--memory`` budget.

glibc's malloc serves an allocation of up to its *mmap threshold* from its heaps, and raises that
threshold (up to 32 MB) every time a larger block that was mmapped is freed; it gives the free top of
a heap back to the system when it passes the *trim threshold* (twice the mmap threshold). The passes
allocate and free NumPy arrays of a few MB piece after piece (the codes read, their ids, records).

- **A small budget** (below :data:`SMALL_BUDGET`): the freed arrays fragment the heaps. `count
  --memory 64M` on bench-real peaked at 245 MB, of which some 100 MB were free but not given back.
  A fixed threshold of 4 MB keeps those arrays in their own mappings, given back when freed: the
  same run peaks at 157 MB, for about 0.4 s more system time on a 7 s `discover`.
- **A larger one**: memory given back is fresh memory when it is asked for again, and on this
  project's machines a page costs a fault at its first touch (about 2 ms a MB). With the 4 MB
  threshold alone (glibc's trim threshold then stays at 128 KB), discover on 270 MB with
  `--memory 1G` took 1.4M faults and 5-6 s of system time.
  So the heaps also keep up to a quarter of the budget free (trim threshold) and grow by up to
  64 MB at a time (top pad): 0.19M faults, 2.1 s of system time, 11 % less wall time, at 190 MB
  more peak (docs/benchmarks.md, issue 17, stop 31). Serving arrays of up to 32 MB from the heaps
  as well saved 1 % more, at 165 MB more peak: not done.

The CLI calls :func:`fit_to_budget`; the library never changes the process's allocator by itself.
"""
from __future__ import annotations

import ctypes
import ctypes.util

# mallopt's parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
#: The mmap threshold: arrays of this size or more have mappings of their own, given back when freed.
MMAP_THRESHOLD = 4 << 20
#: Budgets from this on also keep freed memory for reuse.
SMALL_BUDGET = 512 << 20
#: For those, the heaps keep free up to this share of the budget (at most 1 GB, an int for mallopt),
KEPT_SHARE = 0.25
#: ... and grow by this much more than asked (at most a sixteenth of the budget).
TOP_PAD = 64 << 20


def _mallopt():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt


def hold_freed_memory(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; False where the C library is not glibc."""
    mallopt = _mallopt()
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, threshold) == 1


def keep_freed_memory(budget: int) -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD`, and let its heaps keep up to
    ``KEPT_SHARE`` of ``budget`` free for reuse; False where the C library is not glibc."""
    if not hold_freed_memory():
        return False
    mallopt = _mallopt()
    kept = min(int(budget * KEPT_SHARE), 1 << 30)
    return mallopt(M_TRIM_THRESHOLD, kept) == 1 and mallopt(M_TOP_PAD, min(TOP_PAD, budget // 16)) == 1


def fit_to_budget(budget: int) -> bool:
    """Set the allocator for a process of ``budget`` bytes (see the module doc)."""
    return hold_freed_memory() if budget < SMALL_BUDGET else keep_freed_memory(budget)
