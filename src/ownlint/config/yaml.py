"""``ownlint.yaml`` as plain YAML, composed here from libyaml's events so nothing is expanded, recursed
into or converted before it is checked: no anchors or aliases (a 500-byte alias bomb is 10^9 values),
no tags but ``!!str``, no duplicate or non-string keys, bounded depth and numbers. Every value's line is
recorded by key path (``located``); every problem is one line ``FILE:LINE: key.path: what``. Imported only
by a run that reads a config file (PyYAML's import is a sixth of a pre-commit run's start)."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from ownlint.config.located import Located, Path, located_error, one_line
from ownlint.errors import ConfigError

# libyaml's parser is a loop, not a recursion; its composer recurses, so we compose ourselves
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64  # a config nests about six levels
MAX_NUMBER = 100  # characters: int("9" * 5000) raises, and base-60 numbers take quadratic time
ANCHORS = "YAML anchors and aliases are not allowed in the config; write the value out"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_CONVERTED = {**dict.fromkeys(_NUMBERS, "number"), "tag:yaml.org,2002:timestamp": "date or time"}


def load_located(text: str, file: str) -> Located:
    loader = _Loader(text)
    composer = _Composer(loader, file)
    try:
        node = composer.document()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(one_line(f"{file}:{line}: invalid YAML: {error.problem}")) from None
    except ReaderError as error:
        line = text.encode("utf-8", "surrogatepass")[: error.position].count(b"\n") + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise ConfigError(f"{file}:{line}: invalid YAML: {error.reason} (#x{code:04x})") from None
    except yaml.YAMLError as error:
        raise ConfigError(one_line(f"{file}: invalid YAML: {str(error).splitlines()[0]}")) from None
    finally:
        loader.dispose()
    return Located(file, data, composer.lines)


class _Composer:
    """Nodes from the loader's events, refusing what a config has no use for before it costs anything."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Path, int] = {}

    def document(self) -> Node | None:
        events = self.loader
        events.get_event()  # the stream's start
        if events.check_event(StreamEndEvent):
            return None
        start = events.get_event().start_mark
        node = self.node((), 1)
        events.get_event()  # the document's end
        if not events.check_event(StreamEndEvent):
            found = events.get_event().start_mark
            raise ComposerError("expected a single document", start, "but found another document", found)
        return node

    def node(self, path: Path, depth: int) -> Node:
        event: Any = self.loader.get_event()
        line = event.start_mark.line + 1
        self.lines[path] = line
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise located_error(self.file, line, path, ANCHORS)
        if event.tag not in (None, "!", _STR):
            raise located_error(self.file, line, path, "YAML tags are not allowed in the config (except !!str)")
        if isinstance(event, ScalarEvent):
            return self.scalar(event, path)
        if depth > MAX_DEPTH:
            raise ConfigError(f"{self.file}:{line}: invalid YAML: nested more than {MAX_DEPTH} levels deep")
        if isinstance(event, MappingStartEvent):
            return self.mapping(event, path, depth)
        items: list[Node] = []
        while not self.loader.check_event(SequenceEndEvent):
            items.append(self.node((*path, len(items)), depth + 1))
        end = self.loader.get_event().end_mark
        tag = self.loader.resolve(SequenceNode, None, event.implicit)
        return SequenceNode(tag, items, event.start_mark, end, flow_style=event.flow_style)

    def scalar(self, event: Any, path: Path) -> ScalarNode:
        tag = self.loader.resolve(ScalarNode, event.value, event.implicit) if event.tag != _STR else _STR
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if tag in _NUMBERS and len(event.value) > MAX_NUMBER:
            message = f"a number of {len(event.value)} characters is too long (at most {MAX_NUMBER})"
            raise located_error(self.file, self.lines[path], path, message)
        if tag in _CONVERTED:
            try:
                self.loader.construct_object(node)  # kept for construct_document: converted once
            except (ValueError, OverflowError) as error:
                message = f"not a valid {_CONVERTED[tag]}: {error}"
                raise located_error(self.file, self.lines[path], path, message) from None
        return node

    def mapping(self, event: Any, path: Path, depth: int) -> MappingNode:
        pairs: list[tuple[Node, Node]] = []
        seen: dict[str, int] = {}
        while not self.loader.check_event(MappingEndEvent):
            key = self.key(path)
            name = key.value
            line = key.start_mark.line + 1
            if name in seen:
                raise located_error(self.file, line, (*path, name), f"duplicate key (first on line {seen[name]})")
            seen[name] = line
            pairs.append((key, self.node((*path, name), depth + 1)))
            at = (*path, name)  # bound first: mypy reads a starred subscript as 3.11 syntax
            self.lines[at] = line
        end = self.loader.get_event().end_mark
        return MappingNode("tag:yaml.org,2002:map", pairs, event.start_mark, end, flow_style=event.flow_style)

    def key(self, path: Path) -> ScalarNode:
        event: Any = self.loader.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise located_error(self.file, line, path, ANCHORS)
        if not isinstance(event, ScalarEvent):
            kind = "a mapping" if isinstance(event, MappingStartEvent) else "a list"
            raise located_error(self.file, line, path, f"expected a string key, got {kind}")
        self.loader.get_event()
        tag = self.loader.resolve(ScalarNode, event.value, event.implicit) if event.tag is None else event.tag
        if tag == _MERGE:
            raise located_error(self.file, line, path, "YAML merge keys (<<) are not allowed in the config")
        if tag not in (_STR, "!"):
            shown = event.value if tag != "tag:yaml.org,2002:null" or event.value else "an empty key"
            raise located_error(self.file, line, path, f"expected a string key, got {shown}")
        start: Any = event.start_mark  # libyaml's marks, which the stubs do not know
        end: Any = event.end_mark
        return ScalarNode(_STR, event.value, start, end, style=event.style)
