"""``SourceText.line`` counts on or back from the offset asked before: any order of offsets gives the line
tree-sitter gives (newlines before the offset, plus one)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ownlint.loaders.terraform.ts_text import SourceText


@given(
    text=st.text(alphabet="ab\n", max_size=200),
    offsets=st.lists(st.floats(min_value=0, max_value=1), max_size=30),
)
def test_any_order_of_offsets_gives_each_ones_line(text: str, offsets: list[float]) -> None:
    source = text.encode()
    reader = SourceText(source)
    for fraction in offsets:
        position = int(fraction * len(source))
        assert reader.line(position) == source.count(b"\n", 0, position) + 1
