"""YAML manifests composed with PyYAML (``schema.ManifestLoader``, ``construct``): every mapping document with the
lines of the keys findings and graph evidence point at, each bad document a located problem. Imported only when
a YAML text is parsed: a warm run takes its documents from the manifest cache and never imports PyYAML."""

from __future__ import annotations

import yaml

from ownlint.loaders.kubernetes.construct import construct, defer
from ownlint.loaders.kubernetes.manifest import DOCUMENT_START, Manifest
from ownlint.loaders.kubernetes.schema import ManifestLoader
from ownlint.loaders.nesting import MAX_DEPTH, too_deep
from ownlint.model import LoadProblem


def yaml_stream(text: str, shown: str) -> tuple[list[Manifest], list[LoadProblem], bool]:
    """Every mapping document; where one is bad, each document is parsed on its own (split at its `---`
    line), so that the good ones are kept and each bad one is a problem at its line. And whether each was
    built by the quick construction (plain data)."""
    documents, problem, plain = _yaml_documents(text, shown)
    if problem is None:
        return documents, [], plain
    starts = [m.start() for m in DOCUMENT_START.finditer(text)]
    if problem.message.endswith("; not parsed") or not starts:
        return documents, [problem], plain
    documents, problems, skipped = [], [], 0
    for begin, end in zip([0, *starts], [*starts, len(text)], strict=True):
        found, bad, quick = _yaml_documents(text[begin:end], shown, skipped)
        documents.extend(found)
        problems.extend([bad] if bad is not None else [])
        skipped += text.count("\n", begin, end)
        plain = plain and quick
    return documents, problems, plain


def _yaml_documents(text: str, shown: str, skipped: int = 0) -> tuple[list[Manifest], LoadProblem | None, bool]:
    """Every mapping document, the problem that stopped parsing (earlier documents are kept), and whether
    every document was built by the quick construction; ``text`` starts after ``skipped`` lines of the file."""
    deep = too_deep(text)
    if deep is not None:
        message = f"invalid YAML: nested more than {MAX_DEPTH} levels deep; not parsed"
        return [], LoadProblem(shown, skipped + deep, message), True
    loader = ManifestLoader(text)
    defer(loader)  # (its tags resolved by ``construct``)
    documents: list[Manifest] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            data = construct(loader, node)
            if isinstance(data, dict):
                lines = {key: skipped + line for key, line in _key_lines(node).items()}
                first, last = skipped + node.start_mark.line + 1, skipped + node.end_mark.line + 1
                documents.append(Manifest(data, shown, first, last, lines))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = skipped + (mark.line + 1 if mark is not None else 1)
        message = f"invalid YAML: {error.problem or error.context or 'syntax error'}"
        return documents, LoadProblem(shown, line, message), not loader.unusual
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return documents, LoadProblem(shown, skipped + 1, f"invalid YAML: {error}"), not loader.unusual
    finally:
        loader.dispose()
    return documents, None, not loader.unusual


def _key_lines(node: yaml.Node) -> dict[tuple[str, ...], int]:
    """Lines of ``metadata`` label/annotation keys (and the pod template's), for precise provenance,
    and of the top-level keys the graph quotes as evidence (``subjects``, ``rules``, ``spec``)."""
    lines: dict[tuple[str, ...], int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    tops: dict[str, yaml.Node] = {}  # the first ``metadata`` and ``spec``, found in this loop (not a scan each)
    for key, value in node.value:
        name = key.value
        lines[(str(name),)] = key.start_mark.line + 1
        if (name == "metadata" or name == "spec") and name not in tops:
            tops[name] = value
    for prefix in _WANTED:
        top = tops.get(prefix[0])
        meta = _child(top, prefix[1:]) if top is not None else None
        if meta is None:
            continue
        lines[prefix] = meta.start_mark.line + 1
        for section in _SECTIONS:
            mapping = _child(meta, section)
            if isinstance(mapping, yaml.MappingNode):
                for key, _ in mapping.value:
                    at = (*prefix, section[0], str(key.value))  # bound first: mypy reads a starred subscript as 3.11
                    lines[at] = key.start_mark.line + 1
    return lines


_WANTED = (("metadata",), ("spec", "template", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata"))
_SECTIONS = (("labels",), ("annotations",))


def _child(node: yaml.Node | None, path: tuple[str, ...]) -> yaml.Node | None:
    """The value of the first key ``path[0]`` (a key's ``value`` is text only for a scalar), and so on down."""
    for name in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        for key, value in node.value:
            if key.value == name:
                node = value
                break
        else:
            return None
    return node
