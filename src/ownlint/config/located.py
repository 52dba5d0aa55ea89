"""A composed ``ownlint.yaml`` (``Located``: its document and the line of every value by key path) and how its
problems are told, one line ``FILE:LINE: key.path: what``; without PyYAML, which only composing needs (``yaml``),
so that a run reading only the shipped preset (``presets/*.json``) never imports it."""

from __future__ import annotations

from typing import Any

from ownlint.errors import ConfigError
from ownlint.records import record

MAX_BYTES = 1024 * 1024

Path = tuple[str | int, ...]


@record(frozen=True)
class Located:
    """A loaded YAML document and the line of every value in it, by key path."""

    file: str
    data: Any
    lines: dict[Path, int]

    def fail(self, path: Path, message: str) -> ConfigError:
        line = self.lines.get(path, self.lines.get(path[:-1], 1)) if path else 1
        return located_error(self.file, line, path, message)


def located_error(file: str, line: int, path: Path, message: str) -> ConfigError:
    return ConfigError(one_line(f"{file}:{line}: {dotted(path) or '(top level)'}: {message}"))


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        shown = str(part) if isinstance(part, int) or one_line(part) == part else repr(part)
        text += f"[{shown}]" if isinstance(part, int) else (f".{shown}" if text else shown)
    return text


def one_line(text: str) -> str:
    """``text`` with control characters, line breaks and other unprintables escaped as Python does."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
