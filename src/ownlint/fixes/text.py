"""One file's edits made at once: the keys for one place in one insertion, CRLF kept, the lines touched
aligned as ``terraform fmt`` aligns them, and the result parsed again (or the edits are refused)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ownlint.fixes.fmt import align
from ownlint.fixes.hcl import Insertion, add_tags, apply
from ownlint.fixes.places import Edit
from ownlint.fixes.yaml import add_labels


@dataclass(frozen=True)
class Edited:
    data: bytes
    source: bytes
    insertions: tuple[Insertion, ...]

    def line_after(self, line: int) -> int:
        """Where line ``line`` (1-based) of the source is in the edited file."""
        start = sum(len(text) + 1 for text in self.source.split(b"\n")[: line - 1])
        moved = [i for i in self.insertions if i.offset <= start]
        return line + sum(i.text.count("\n") - self.source.count(b"\n", i.offset, i.offset + i.replaced) for i in moved)


def edited(file: str, source: bytes, edits: Sequence[Edit]) -> Edited | None:
    """``source`` with every edit made; None when a place is not there any more or the result would not parse."""
    places: dict[tuple[int, str], list[Edit]] = {}
    for edit in edits:
        places.setdefault((edit.line, edit.where), []).append(edit)
    insertions = []
    for group in places.values():
        insertion = _insertion(source, group)
        if insertion is None:
            return None
        insertions.append(insertion)
    if b"\r\n" in source:
        insertions = [Insertion(i.offset, i.text.replace("\n", "\r\n"), i.replaced) for i in insertions]
    changed = apply(source, insertions)
    if edits[0].kind == "terraform":
        changed = align(changed.decode("utf-8", "surrogatepass"), _rows(source, insertions)).encode(
            "utf-8", "surrogatepass"
        )
    return Edited(changed, source, tuple(insertions)) if _parses(file, changed) else None


def _insertion(source: bytes, group: list[Edit]) -> Insertion | None:
    first = group[0]
    pairs = [(e.key, e.value) for e in group]
    if first.kind == "kubernetes":
        return add_labels(source.decode("utf-8", "surrogatepass"), first.line, pairs)
    head = first.where.split(" ", 1)[0].rsplit(".", 1)[-1]  # settings.user_labels: the innermost name
    return add_tags(source, first.line, head if head.endswith(("tags", "labels")) else "tags", pairs)


def _rows(source: bytes, insertions: list[Insertion]) -> set[int]:
    """The rows (0-based) of the edited file that the insertions wrote."""
    rows: set[int] = set()
    shift = 0
    for insertion in sorted(insertions, key=lambda i: i.offset):
        first = source.count(b"\n", 0, insertion.offset) + shift
        added = insertion.text.count("\n")
        rows.update(range(first, first + added + 1))
        shift += added - source.count(b"\n", insertion.offset, insertion.offset + insertion.replaced)
    return rows


def _parses(file: str, data: bytes) -> bool:
    text = data.decode("utf-8", "surrogatepass")
    if file.endswith((".yaml", ".yml")):
        import yaml

        try:
            list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            return False
        return True
    from ownlint.loaders.terraform import expr as m
    from ownlint.loaders.terraform.ts_backend import parse

    try:
        parse(text, file)
    except m.HclSyntaxError:
        return False
    return True
