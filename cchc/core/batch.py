"""Helpers for runs that build many short-lived objects at once (a ranking of thousands of agencies)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the duration of a run, then restore it.

    A ranking makes about a hundred thousand small objects (rows, decimals, results) that live until
    it ends and hold no reference cycles. Each allocation past the collector's threshold starts a
    collection that walks them all again: about a sixth of a ranking's time (measured in
    docs/performance.md). Reference counting still frees everything as usual; only the search for
    cycles waits until the run is over. The collector is process-wide, so other threads' collections
    wait too, for the length of the run (a fraction of a second).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
