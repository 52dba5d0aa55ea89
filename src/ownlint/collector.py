"""The cyclic garbage collector paused around work that makes no garbage cycle (issue 20).

The loaders, the rules and the reports build what lives to the end of the run; each collection meanwhile only
walked it again (10-15% of a cold check's CPU, a fifth of a warm one's on 9k manifests). None of them leaves a
garbage cycle (``tests/test_eval_cycles.py``: a root's evaluators are released when it is done, the result
cache's codec is objects, not closures calling themselves), so garbage is still freed when its count drops.
What was built is then left out of later collections (``gc.freeze``): a cycle left behind would stay for
the run, which is why that test guards them. Workers forked meanwhile inherit the collector off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def uncollected(freeze: bool = True) -> Iterator[None]:
    """No cyclic collection inside; after it, what exists is frozen (``freeze``) and collection resumes, unless
    it was already off (an outer ``uncollected``: that one freezes)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if freeze:
                gc.freeze()
            gc.enable()
