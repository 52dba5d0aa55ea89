"""``file()`` and its kin, inside the repository only (issue 15): a path is read relative to the module's
directory; an absolute path, a path (or a link) that leads outside the repository, anything that is not a
regular file, and a file over the size limit are refused (the call is then statically wrong: unknown
with the reason, never read). ``templatefile`` renders ``${...}`` interpolations (the evaluator evaluates
them with the given variables only); a template with ``%{...}`` directives, and ``fileset``, stay unknown."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import probes
from ownlint.loaders.terraform.functions.core import Function, strict
from ownlint.loaders.terraform.values import EvalError, to_text

MAX_READ_BYTES = 1 << 20  # what one call may read: tag maps and policies are far smaller


_MARK = "OWNLINT_TEMPLATE_END"


@dataclass(frozen=True)
class ModuleFiles:
    """The files a module instance may read: under ``directory`` (each path read is resolved whole),
    within ``repository`` (resolved); ``parse`` (the backend's file parser) reads templates."""

    directory: Path
    repository: Path
    parse: Callable[[str, str], m.HclFile] | None = None

    def template(self, name: Any) -> tuple[m.Expr, bool]:
        """The template file ``name`` as an expression, and whether its rendering gains a final newline."""
        text = _text(self.read(name), name)
        if "%{" in text or self.parse is None:
            raise EvalError(f"templatefile(): {to_text(name)!r} has template directives, not evaluated by ownlint")
        if any(line.strip() == _MARK for line in text.splitlines()):
            raise EvalError(f"templatefile(): {to_text(name)!r} cannot be read as a template")
        added = not text.endswith("\n")
        try:
            parsed = self.parse(f"template = <<{_MARK}\n{text}{chr(10) if added else ''}{_MARK}\n", to_text(name))
        except (m.HclSyntaxError, RecursionError):
            raise EvalError(f"templatefile(): {to_text(name)!r} does not parse") from None
        if len(parsed.attributes) != 1:
            raise EvalError(f"templatefile(): {to_text(name)!r} does not parse")
        return parsed.attributes[0].expr, added

    def _inside(self, name: Any) -> Path:
        text = to_text(name)
        if not text or os.path.isabs(text) or "\x00" in text:
            raise EvalError(f"file {text!r}: only relative paths inside the repository are read")
        target = probes.resolved(self.directory / text)
        if target != self.repository and self.repository not in target.parents:
            raise EvalError(f"file {text!r} is outside the repository, not read")
        return target

    def read(self, name: Any) -> bytes:
        target = self._inside(name)
        found = _read(target)
        if probes.active():
            probes.heard("blob", str(target), _blob_value(found))
        if isinstance(found, bytes):
            return found
        raise EvalError(f"file {to_text(name)!r}{found}")

    def exists(self, name: Any) -> bool:
        target = self._inside(name)
        if probes.is_directory(target):
            raise EvalError(f"fileexists(): {to_text(name)!r} is a directory")
        return probes.is_file(target)


def _read(target: Path) -> bytes | str:
    """The file's bytes, or why not (the end of a message that starts with its name)."""
    try:
        descriptor = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    except OSError as error:
        return f": {error.strerror or 'cannot be read'}"
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode):
            return " is not a regular file"
        if found.st_size > MAX_READ_BYTES:
            return f" is over {MAX_READ_BYTES} bytes, not read"
        return os.read(descriptor, MAX_READ_BYTES + 1)[:MAX_READ_BYTES]
    except OSError as error:
        return f": {error.strerror or 'cannot be read'}"
    finally:
        os.close(descriptor)


def _blob_value(found: bytes | str) -> str:
    return hashlib.sha256(found).hexdigest() if isinstance(found, bytes) else f"problem:{found}"


@probes.probe("blob")
def _blob_probe(context: probes.ProbeContext, path: str) -> str:
    return _blob_value(_read(Path(path)))


def _text(raw: bytes, name: Any) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError(f"contents of {to_text(name)!r} are not valid UTF-8") from None


def _hashed(files: ModuleFiles, algorithm: str, encode: Callable[[Any], str]) -> Function:
    return strict(lambda name: encode(hashlib.new(algorithm, files.read(name))))


def file_functions(files: ModuleFiles) -> dict[str, Function]:
    """The file functions, reading through ``files``."""
    hexed: Callable[[Any], str] = lambda digest: str(digest.hexdigest())  # noqa: E731 - a one-line encoder
    b64: Callable[[Any], str] = lambda digest: base64.b64encode(digest.digest()).decode("ascii")  # noqa: E731
    return {
        "file": strict(lambda name: _text(files.read(name), name)),
        "fileexists": strict(files.exists),
        "filebase64": strict(lambda name: base64.b64encode(files.read(name)).decode("ascii")),
        "filemd5": _hashed(files, "md5", hexed),
        "filesha1": _hashed(files, "sha1", hexed),
        "filesha256": _hashed(files, "sha256", hexed),
        "filesha512": _hashed(files, "sha512", hexed),
        "filebase64sha256": _hashed(files, "sha256", b64),
        "filebase64sha512": _hashed(files, "sha512", b64),
    }
