"""Repository text made safe for where it is shown: a terminal or CI log, a GitHub workflow command,
Markdown, a spreadsheet cell, a URI, a DOT string.

A pull request is untrusted: the names it brings (files, directories, symlinks, block labels,
``metadata.name``) may hold line breaks, escape sequences, bidi overrides or markup. Escapes are visible
and unambiguous (``\\n``, ``\\x1b``, ``\\u202e``, a backslash as ``\\\\``), so a reader sees that a name
is odd. Only data goes through here: ownlint's own words and colours do not. Formats that carry values
(JSON, SARIF, GitLab) keep them raw in their own escaping; see ``json_text``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ownlint.report.indented_json import dumps_indented

_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# what may act on a terminal or a log, or hide: controls (C0, DEL, C1), format characters (bidi
# overrides and isolates, zero-width ones, soft hyphen, tags), line and paragraph separators, surrogates
_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\ufffe\uffff")  # Hangul fillers; noncharacters (not XML)
_SUSPECT = re.compile(r"[\x00-\x1f\x7f-\x9f\\]|[^\x00-\x7f]")  # the rest of ASCII needs no look
# GitHub's runner obeys its legacy ``##[command]`` (and Azure Pipelines ``##vso[``) anywhere on a line
_LEGACY_COMMAND = re.compile(r"##(?:vso)?\[", re.IGNORECASE)


def terminal(text: str, keep: str = "") -> str:
    """``text`` for a terminal or a CI log: control and format characters and backslashes as visible
    escapes (except those in ``keep``), no ``##[`` command anywhere and no ``::`` command at its start
    (GitHub trims leading space before it looks). The result is also valid XML 1.0 character data."""
    shown = _SUSPECT.sub(lambda match: _escaped(match.group(), keep), text)
    shown = _LEGACY_COMMAND.sub(lambda match: match.group()[:-1] + "\\x5b", shown)
    start = len(shown) - len(shown.lstrip())
    if shown.startswith("::", start):
        shown = f"{shown[:start]}\\x3a{shown[start + 1 :]}"
    return shown


def _escaped(char: str, keep: str) -> str:
    if char in keep:
        return char
    if char in _SHORT:
        return _SHORT[char]
    if char not in _BLANK_LETTERS and unicodedata.category(char) not in _CATEGORIES:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def quoted(text: str) -> str:
    """``'text'``, escaped for a terminal: a value quoted in a sentence."""
    return "'" + terminal(text).replace("'", "\\'") + "'"


def block(text: str) -> str:
    """Lines of repository files (a diff): each line escaped, but line breaks, tabs and backslashes kept,
    so that a diff of ordinary files reads (and applies) as it is."""
    return "\n".join(terminal(line, keep="\t\\") for line in text.split("\n"))


def workflow_data(text: str) -> str:
    """A GitHub workflow command's message: the runner's escapes (``%0A`` is a line break in it)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A workflow command's property value, where ``:`` and ``,`` separate."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


# patterns as text, compiled on first use (re's cache): most runs write no Markdown
_MARKDOWN_SIGN = r"[\\`*\[\]~|]"
_LONE_UNDERSCORE = r"(?<![^\W_])_|_(?![^\W_])"  # an underscore inside a word emphasises nothing


def markdown(text: str) -> str:
    """Text for a Markdown line or table cell (GitHub's flavour): visible escapes, ``&<>`` as entities,
    a backslash before every sign that could make a link, image, code span, emphasis or cell border."""
    shown = terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(_LONE_UNDERSCORE, r"\\_", re.sub(_MARKDOWN_SIGN, r"\\\g<0>", shown))


def markdown_code(text: str) -> str:
    """Text as a Markdown code span in a table cell: nothing in it is markup, so only the fence (longer
    than any run of backticks in it), the cell border and line breaks need care."""
    shown = terminal(text).replace("|", "\\|")
    if not shown:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", shown)), default=0) + 1)
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""  # CommonMark strips one space each side
    return f"{fence}{pad}{shown}{pad}{fence}"


# OWASP, CSV injection: a cell starting with one of these is a formula to a spreadsheet (the full-width
# signs too, which some fold to ASCII); a leading ' makes it text, and spreadsheets do not show the '
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def uri(path: str) -> str:
    """A relative path as an RFC 3986 URI reference: UTF-8 bytes percent-encoded but for unreserved
    characters and the ``/`` separators (file names undecodable on disk keep their bytes)."""
    from urllib.parse import quote

    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = path.encode("utf-8", "surrogatepass")
    return quote(data, safe="/")


def dot_string(text: str) -> str:
    """A DOT quoted string whose label shows ``text`` escaped as on a terminal."""
    return '"' + terminal(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def json_text(document: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """``json.dumps`` (ASCII: every control and non-ASCII character is a ``\\u`` escape), with ``[``
    after ``##`` written ``\\u005b`` so that the text is safe in a CI log; the values are unchanged."""
    if indent is not None and not sort_keys:  # the same text, without the standard library's slow path
        return dumps_indented(document, indent, _no_commands)  # a ``##[`` is inside one string: by batch
    return _no_commands(json.dumps(document, indent=indent, sort_keys=sort_keys))


def json_without_commands(text: str) -> str:
    """JSON text written elsewhere (ASCII, ``json.dumps``'s own) with ``[`` after ``##`` written ``\u005b``,
    as ``json_text`` writes it."""
    return _no_commands(text)


def _no_commands(text: str) -> str:
    if "##" not in text:  # every command starts so: a substring search is quicker than the pattern's
        return text
    return _LEGACY_COMMAND.sub(_escaped_bracket, text)


def _escaped_bracket(match: re.Match[str]) -> str:
    return match.group()[:-1] + "\\u005b"
