"""Parser backend on tree-sitter-hcl (the C grammar editors use): fast, and the default when installed.

Builds the same expression model as the python-hcl2 backend (``tests/test_backends.py`` compares the
two on every fixture); heredocs go through the shared ``heredoc`` module so both read them alike. Most files
are read from their text alone (``ts_text``, stricter than the grammar); the rest, and every syntax error,
go through tree-sitter's tree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.ts_reader import Node, Reader, lines_of, named_children
from ownlint.loaders.terraform.ts_text import NotSimple, SourceText

NAME = "tree-sitter"
__all__ = ["NAME", "UNCLOSED", "available", "outline", "parse", "parse_expression", "tree_sitter_parser"]
UNCLOSED = "unexpected end of file (is a brace, bracket or heredoc not closed?)"  # as the hcl2 backend says


@lru_cache(maxsize=1)
def tree_sitter_parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def available() -> bool:
    try:
        tree_sitter_parser()
    except (ImportError, OSError, ValueError):
        return False
    return True


def parse(text: str, path: str) -> m.HclFile:
    source = text.encode("utf-8", errors="surrogatepass")
    read = read_without_tree(source)
    if read is not None:
        return m.HclFile(path=path, attributes=read[0], blocks=read[1])
    tree = tree_sitter_parser().parse(source)
    root = tree.root_node
    if root.has_error:
        raise m.HclSyntaxError(*_first_error(root, len(source)))
    reader = Reader(source, parse_expression)
    body = next((c for c in named_children(root) if c.type == "body"), None)
    attributes, blocks = reader.body(body) if body is not None else ((), ())
    return m.HclFile(path=path, attributes=attributes, blocks=blocks)


def read_without_tree(source: bytes) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...]] | None:
    """The file's attributes and blocks read from its text alone (``SourceText.file``), or None: the tree's way.
    Most files are read so (tree-sitter's parse was most of a cold check's parsing; ``tests/test_ts_file.py``
    compares the two ways, syntax errors included)."""
    try:
        return SourceText(source).file()
    except NotSimple:
        return None


def outline(text: str, path: str) -> m.Outline:
    """Top-level block lines and module ``source`` expressions, reading nothing else: a fifth of a parse."""
    source = text.encode("utf-8", errors="surrogatepass")
    root = tree_sitter_parser().parse(source).root_node
    if root.has_error:
        raise m.HclSyntaxError(*_first_error(root, len(source)))
    reader = Reader(source, parse_expression)
    body = next((c for c in named_children(root) if c.type == "body"), None)
    lines: list[int] = []
    sources: list[m.Expr] = []
    for block in (c for c in (named_children(body) if body is not None else ()) if c.type == "block"):
        lines.append(lines_of(block)[0])
        named = named_children(block)
        inner = next((n for n in named if n.type == "body"), None)
        if reader.text(named[0]) != "module" or inner is None:
            continue
        for attribute in (c for c in named_children(inner) if c.type == "attribute"):
            name, value = named_children(attribute)[:2]
            if reader.text(name) == "source":
                sources.append(reader.expr(value))
                break  # the first one, as Block.attribute finds it
    return m.Outline(tuple(lines), tuple(sources))


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> m.Expr:
    """One expression from source text (heredoc interpolations, ``--var`` values). The model is immutable and
    a function of the text alone: a text met again (a template's ``${name}`` in every copy) is parsed once."""
    try:
        parsed = parse(f"ownlint_expression = {text}\n", "<expression>")
    except (m.HclSyntaxError, RecursionError):
        return m.Unsupported(f"unparsable interpolation ${{{text}}}")
    return parsed.attributes[0].expr if parsed.attributes else m.Unsupported("empty interpolation")


def _first_error(root: Node, size: int) -> tuple[str, int]:
    """The first ERROR or MISSING node, as a message and a 1-based line (an error that runs to the end
    of the file is an unclosed brace, bracket or heredoc: reported where the file ends)."""
    stack = [root]
    while stack:
        node = stack.pop(0)
        at_end = node.end_byte >= size and (node.is_missing or node.type == "ERROR")
        if at_end:
            line, column = node.end_point
            return f"{UNCLOSED} at line {line + 1}, column {column + 1}", line + 1
        if node.is_missing:
            line, column = node.start_point
            return f"missing {node.type!r} at line {line + 1}, column {column + 1}", line + 1
        if node.type == "ERROR":
            line, column = node.start_point
            text = node.text.decode("utf-8", errors="replace").strip().splitlines()
            found = f"unexpected {text[0][:40]!r}" if text else "unexpected end of file"
            return f"{found} at line {line + 1}, column {column + 1}", line + 1
        if node.has_error:
            stack = list(node.children) + stack
    return "syntax error", 1
