"""``contains`` edges kept compact: a container per member, not an ``Edge``, a key and two adjacency entries each.

Every resource is in a stack, a module call or a namespace: these are half of a graph's edges, and no rule walks
them (the boundary rules walk grants, assumes, uses, operates, admits and selects). Each is kept as its member's
entry in one dict (the id strings are the nodes' own) and the place it took among the graph's edges (an 8-byte
integer), so that the edges come out in the order they were found when the whole graph is asked for (its export).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Final, Literal

from ownlint.model import Edge

CONTAINS: Final[Literal["contains"]] = "contains"


class Containment:
    """The container of each member (its one ``contains`` edge in), in the order the edges were added."""

    __slots__ = ("_members", "at", "container")

    def __init__(self) -> None:
        self.container: dict[str, str] = {}  # member -> container
        self.at = array("q")  # how many other edges were added before each (in the order of ``container``)
        self._members: dict[str, list[str]] | None = None

    def add(self, container: str, member: str, position: int) -> bool:
        """Keep the edge ``container -contains-> member`` found after ``position`` other edges; False when the
        member is already in another container (the caller keeps that edge as any other)."""
        held = self.container.get(member)
        if held is None:
            self.container[member] = container
            self.at.append(position)
            self._members = None
            return True
        return held == container  # the same edge again: the first stands

    def __len__(self) -> int:
        return len(self.container)

    def edge_into(self, member: str) -> Edge | None:
        container = self.container.get(member)
        return None if container is None else Edge(container, member, CONTAINS)

    def edges_out(self, container: str) -> list[Edge]:
        """The ``contains`` edges out of ``container``, in the order they were added."""
        if self._members is None:
            members: dict[str, list[str]] = {}
            for member, holder in self.container.items():
                members.setdefault(holder, []).append(member)
            self._members = members
        return [Edge(container, member, CONTAINS) for member in self._members.get(container, ())]

    def merged(self, others: dict[tuple[str, str, str], Edge]) -> Iterator[tuple[tuple[str, str, str], Edge]]:
        """Every edge, these and ``others`` (the rest of the graph's, in their order), in the order they were added."""
        pending = iter(zip(self.container.items(), self.at, strict=True))
        following = next(pending, None)
        for index, item in enumerate(others.items()):
            while following is not None and following[1] <= index:
                (member, container), _ = following
                yield (container, member, CONTAINS), Edge(container, member, CONTAINS)
                following = next(pending, None)
            yield item
        while following is not None:
            (member, container), _ = following
            yield (container, member, CONTAINS), Edge(container, member, CONTAINS)
            following = next(pending, None)
