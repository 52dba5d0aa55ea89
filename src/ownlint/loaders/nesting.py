"""A bound on how deeply YAML or JSON text nests, checked before anything recursive sees it.

libyaml's composer (PyYAML's ``CParser.get_node``, behind every ``CSafeLoader``) recurses on the C
stack: with PyYAML 6.0 to 6.0.3 (libyaml 0.2.5) 100,000 nested collections crash the process (SIGSEGV)
instead of raising an error that could become a located problem. libyaml's scanner and parser are not
recursive, so the depth is measured on the parser's event stream, which composes nothing; and only when
cheap bounds cannot rule deep nesting out, so ordinary files cost a few ``str.count`` calls and large
ones (a CustomResourceDefinition) one regular-expression search.
"""

from __future__ import annotations

import re

MAX_DEPTH = 1000  # far beyond any manifest or config; well within the C stack
# the indicators that can start a block collection: "- ", "? " and "key: " (followed by a blank or the end)
_BLOCK_INDICATOR = re.compile(r"[-?:](?![^\s\0])")
_DOCUMENT_START = re.compile(r"^---(?![^\s\0])", re.M)
# the characters that can come before a block collection's first entry on its line: the indentation and compact
# "- ", "? " and ": " indicators; and YAML's line breaks (a line prefix follows one, or starts the text)
_PREFIX = "[ \t?:-]"
_BREAK = "[\r\n\x85\u2028\u2029]"
_OTHER_BREAKS = "\r\x85\u2028\u2029"
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)  # a string (skipped whole) or a bracket
_LIBYAML_LIMIT = "exceeded maximum nesting depth"  # libyaml >= 0.2.6 refuses deep nesting itself


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where YAML ``text`` first nests more than ``limit`` collections deep, or None.

    Call it before composing ``text`` with any PyYAML loader. Every collection starts at a ``[`` (which
    may open a single-pair mapping too), a ``{``, or a ``-``, ``?`` or ``:`` indicator, so a document
    with few of those cannot be deep; other text is measured exactly on libyaml's events. None is also
    the answer when a syntax error comes before any deep part: a loader stops at that error too."""
    if _starts(text) <= limit:
        return None
    # "---" at the start of a line closes every collection, or is a syntax error (inside flow or quotes)
    if not (text.startswith("---") or "\n---" in text):  # one document, counted above
        shallow = _bounded(text, limit)
    else:
        shallow = all(_starts(d) <= limit or _bounded(d, limit) for d in _DOCUMENT_START.split(text))
    if shallow:
        return None
    return _deepest_line(text, limit)


def _starts(text: str) -> int:
    """At least as many as the collections ``text`` can start, from a few ``str.count`` calls."""
    return 2 * text.count("[") + text.count("{") + text.count("-") + text.count("?") + text.count(":")


def _bounded(text: str, limit: int) -> bool:
    """``text`` nests at most ``limit`` collections deep, by its block collections' columns, or counting only
    the indicators followed by a blank."""
    flow = 2 * text.count("[") + text.count("{")
    return _indented_within(text, (limit - flow) // 2 - 2) or flow + len(_BLOCK_INDICATOR.findall(text)) <= limit


def _indented_within(text: str, columns: int) -> bool:
    """No block collection of ``text`` is more than ``2 * (columns + 2)`` deep (flow collections aside).

    A block collection nested in another starts at a greater column, except a sequence as a mapping's value,
    which may start at its key's column; so every column holds at most two levels. And a block collection
    starts its line or follows only the indentation and compact indicators ("- - a", "? a: b", ": - a"), so
    its column is at most the length of such a line prefix: when no line has a prefix longer than
    ``columns``, no block collection starts beyond column ``columns``."""
    if columns < 0:
        return False
    longer = f"{_PREFIX}{{{columns + 1}}}"
    # a search from "\n" alone scans in C several times faster than one from a class of characters
    breaks = _BREAK if any(map(text.__contains__, _OTHER_BREAKS)) else "\n"
    return re.match(longer, text) is None and re.search(breaks + longer, text) is None


def _deepest_line(text: str, limit: int) -> int | None:
    """The line of the first collection deeper than ``limit``, from the parser's events (no composing); PyYAML
    imported here, only for text that may be deep (a warm run that parses nothing never imports it)."""
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limit:
                    return int(event.start_mark.line) + 1 if event.start_mark is not None else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.problem == _LIBYAML_LIMIT and mark is not None:
            return int(mark.line) + 1
    except yaml.YAMLError:
        pass
    return None


def json_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where JSON ``text`` first nests more than ``limit`` arrays and objects deep, or
    None; brackets inside strings do not count. Exact up to the first syntax error, where ``json`` stops."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        depth += 1 if token in "[{" else -1
        if depth > limit:
            return text.count("\n", 0, match.start()) + 1
    return None
