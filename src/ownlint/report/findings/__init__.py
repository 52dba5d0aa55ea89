"""The formats of ``check --format``: one module each, with one interface (``Formatter``), listed here.

A format module is imported only when its format is asked for: a pre-commit run loads the one it prints.
Adding one: a module here with ``render(report, colour=False) -> str``, its name in ``FORMATS``, then
CONTRIBUTING.md "Adding a format". A format may also give ``pieces(report) -> Iterable[str]``, ``render``'s
text in pieces: a file is then written piece by piece, the whole text never held.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from ownlint.errors import OwnlintError

if TYPE_CHECKING:
    from ownlint.model import Report

# every --format, by its module in this package (the human ones first, then json, the rest for code hosts)
FORMATS: dict[str, str] = {
    "text": "text",
    "compact": "compact",
    "json": "json",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "markdown": "markdown",
}


class Formatter(Protocol):
    """Findings as one format's text: it formats what the check decided, and decides nothing.
    ``colour``: a terminal's colours (the human formats use them; the others ignore them)."""

    def __call__(self, report: Report, colour: bool = False) -> str: ...


def formatter(name: str) -> Formatter:
    """The format ``name``, its module imported now."""
    if name not in FORMATS:
        raise OwnlintError(f"unknown format {name!r}")
    render: Formatter = importlib.import_module(f"{__name__}.{FORMATS[name]}").render
    return render


def pieces_of(name: str) -> Callable[[Report], Iterable[str]]:
    """The format ``name`` (without colours) as pieces of its text: its module's ``pieces``, else its whole text."""
    render = formatter(name)
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    pieces: Callable[[Report], Iterable[str]] | None = getattr(module, "pieces", None)
    return pieces if pieces is not None else lambda report: (render(report, colour=False),)
