"""One Kubernetes object as found (``Manifest``): what ``documents`` reads a file into, and ``composing`` builds from
YAML (apart, so that ``documents`` imports ``composing`` only when a YAML text is parsed, and no cycle)."""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from ownlint.model import LoadProblem, Place
from ownlint.records import record

DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)  # a `---` line: where a document begins


@record(frozen=True, slots=True)
class Manifest:
    """One Kubernetes object as found: its data, file, first and last line, and key lines; built by a
    kustomization: where the label and annotation keys it set come from, and the kustomization (instance)."""

    data: dict[str, Any]
    file: str
    line: int
    end_line: int
    lines: dict[tuple[str, ...], int]
    origins: dict[tuple[str, ...], Place] = field(default_factory=dict)
    instances: tuple[str, ...] = ()


Parsed = tuple[list[Manifest], list[LoadProblem]]  # a file's documents (objects) and the problems that stopped parsing
