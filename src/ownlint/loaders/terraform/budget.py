"""The evaluation budget of one root module, shared by every module instance it calls.

Hostile expressions grow exponentially (forty locals, each the one before twice) or multiply loops
(``for`` in ``for`` in ``for``). Past a limit the value being built is unknown with the reason, never a
MemoryError or a hang. The limits are counts, so where they are crossed is the same in every run
(``--jobs`` included); the clock is read only every few thousand steps, as a last-resort backstop.

Values share parts (``[local.a, local.a]`` holds ``local.a`` twice, not a copy): sizes count a shared
part each time it appears, as anything walking the value would (``jsonencode``, the graph, reports).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from ownlint.loaders.terraform.values import PartialMap
from ownlint.model import LoadProblem

# Per root module: real estates (terraform-aws-modules, cloud-foundation-fabric, ...) use at most 16k
# steps, 59k characters and 4k elements; a hostile one stops in about a second and tens of MB.
MAX_STEPS = 1_000_000  # expressions evaluated, and elements of values walked or copied
MAX_CHARACTERS = 8_000_000  # characters of strings built, and of values handed to the loader
MAX_ELEMENTS = 500_000  # list and map elements built, and in values handed to the loader
# Per value: its strings and keys together, its list and map elements at every level
MAX_VALUE_CHARACTERS = 1 << 20
MAX_VALUE_ELEMENTS = 100_000
MAX_VALUE_DEPTH = 64
BACKSTOP_SECONDS = 20.0  # of evaluation; MAX_STEPS take a second or two, so only a bug gets here
CLOCK_EVERY = 4096  # steps between two reads of the clock


class OverBudget(Exception):
    """A limit was crossed: with ``spent``, the root module's budget is gone (every later value is
    unknown too); without, only the value being built is too large."""

    def __init__(self, detail: str, spent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.spent = spent


class Size(NamedTuple):
    """Elements (list items and map entries, at every level) and characters (strings and keys)."""

    elements: int
    characters: int


NOTHING = Size(0, 0)
_size = tuple.__new__  # a ``Size`` made in C (its class's ``__new__`` is Python's: a third of weighing a text)
TOO_MANY_CHARACTERS = f"a value of more than {MAX_VALUE_CHARACTERS} characters"
TOO_MANY_ELEMENTS = f"a value of more than {MAX_VALUE_ELEMENTS} elements"
_WALKED = (list, dict, PartialMap)  # what a size walks into


class Budget:
    """What the evaluation of one root module has spent, and why it stopped (once it has)."""

    def __init__(self) -> None:
        self.steps = 0
        self.characters = 0
        self.elements = 0
        self.exhausted: str | None = None  # the reason every value is unknown from now on
        self.first: tuple[str, str | None, int] | None = None  # the first crossing: reason, file, line
        self._gone: OverBudget | None = None  # crossed, not yet located
        self._next_check = CLOCK_EVERY
        self._seconds = 0.0
        self._since = 0.0
        self._running = 0

    def step(self, count: int = 1) -> None:
        """``count`` units of work; every ``CLOCK_EVERY`` the limits (and the clock) are looked at."""
        self.steps += count
        if self.steps >= self._next_check:
            self._check_steps()

    def _check_steps(self) -> None:
        if self._gone is not None:
            raise self._gone
        if self.steps > MAX_STEPS:
            self._spend(f"more than {MAX_STEPS} evaluation steps in this root module")
        if self._running and self._seconds + time.monotonic() - self._since > BACKSTOP_SECONDS:
            self._spend(f"more than {BACKSTOP_SECONDS:g} seconds of evaluation in this root module")
        self._next_check = min(self.steps + CLOCK_EVERY, MAX_STEPS + 1)

    def _spend(self, detail: str) -> None:
        self._gone = OverBudget(detail, spent=True)
        self._next_check = 0  # every later step raises at once
        raise self._gone

    def built(self, elements: int = 0, characters: int = 0) -> None:
        """New list or map elements and characters: they count against the root module's totals."""
        self.elements += elements
        self.characters += characters
        if self.characters > MAX_CHARACTERS:
            self._spend(f"more than {MAX_CHARACTERS} characters in this root module")
        if self.elements > MAX_ELEMENTS:
            self._spend(f"more than {MAX_ELEMENTS} elements in this root module")

    def string(self, length: int) -> None:
        """Before building a string of ``length`` characters."""
        if length > MAX_VALUE_CHARACTERS:
            raise OverBudget(TOO_MANY_CHARACTERS)
        self.built(characters=length)

    def weigh(self, value: Any, base: Size = NOTHING) -> Size:
        """``base`` plus the size of ``value``; raises past one value's limits. The walk is work: it
        stops at those limits, and each element visited is a step (counted as ``step`` does, inline: the
        commonest walk of an evaluation)."""
        elements, characters = base
        kind = type(value)
        if kind is str:
            characters += len(value)
        elif kind is dict or kind is list or kind is PartialMap or isinstance(value, _WALKED):
            stack: list[tuple[Any, int]] = [(value, 0)]
            while stack:
                item, depth = stack.pop()
                if depth >= MAX_VALUE_DEPTH:
                    raise OverBudget(f"a value nested more than {MAX_VALUE_DEPTH} deep")
                if isinstance(item, PartialMap):
                    item = item.known
                if isinstance(item, dict):
                    characters += sum(map(len, item))
                    children = item.values()
                else:
                    children = item
                count = len(children)
                elements += count
                self.steps += count
                if self.steps >= self._next_check:
                    self._check_steps()
                for child in children:
                    kind = type(child)  # by exact type first: the commonest children are text and numbers
                    if kind is str:
                        characters += len(child)
                    elif kind is int or kind is bool or child is None:
                        continue
                    elif isinstance(child, str):
                        characters += len(child)
                    elif isinstance(child, _WALKED):
                        stack.append((child, depth + 1))
                if elements > MAX_VALUE_ELEMENTS:
                    raise OverBudget(TOO_MANY_ELEMENTS)
        elif isinstance(value, str):
            characters += len(value)
        if characters > MAX_VALUE_CHARACTERS:
            raise OverBudget(TOO_MANY_CHARACTERS)
        return _size(Size, (elements, characters))

    def hand_out(self, value: Any) -> None:
        """``value`` leaves the evaluator: whoever reads it may copy it (the graph's attributes do)."""
        if type(value) is str and len(value) <= MAX_VALUE_CHARACTERS:  # most values: weighed as ``weigh`` would
            self.built(0, len(value))
            return
        if not isinstance(value, (str, list, dict, PartialMap)):  # a number, a bool, null, unknown: nothing to walk
            self.built(0, 0)
            return
        size = self.weigh(value)
        self.built(size.elements, size.characters)

    def reason(self, over: OverBudget, where: str | None, file: str | None = None, line: int = 1) -> str:
        """Why a value is unknown: ``over``, crossed while evaluating ``where`` (``local.x (main.tf:3)``,
        written at ``file``:``line``). Once the root module's budget is gone, the first such reason is
        every later one."""
        if self.exhausted is not None:
            return self.exhausted
        located = f"evaluation budget exhausted{f' in {where}' if where else ''}: {over.detail}"
        if over.spent:
            self.exhausted = located
        if self.first is None:
            self.first = (located, file, line)
        return located

    def problem(self, fallback: str) -> LoadProblem | None:
        """The root module's OWN000 once anything crossed the budget (at the first crossing, else at
        ``fallback``:1): real modules use a few percent of it, so a gate must not pass on a warning."""
        if self.first is None:
            return None
        reason, file, line = self.first
        return LoadProblem(file or fallback, line, f"{reason}; what depends on it is unknown", whole_root=True)

    def start(self) -> None:
        """Evaluation starts (nested calls count once): the backstop's clock runs."""
        if self._running == 0:
            self._since = time.monotonic()
        self._running += 1

    def stop(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._seconds += time.monotonic() - self._since
