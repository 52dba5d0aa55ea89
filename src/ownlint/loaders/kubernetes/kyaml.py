"""A kustomization or patch file as data, with the line of every key (``("labels", 0, "pairs", "owner")``
-> 4) so a label a kustomization sets can say which line set it. Safe loading only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ownlint.loaders.nesting import MAX_DEPTH, too_deep
from ownlint.model import LoadProblem

if TYPE_CHECKING:
    import yaml

Lines = dict[tuple[Any, ...], int]


def load_yaml(text: str, shown: str, many: bool = False) -> tuple[Any, Lines] | LoadProblem:
    """The document (``many``: the list of documents, their key paths starting with the document's index).
    PyYAML is imported here: a check that builds no kustomization never needs it."""
    import yaml

    deep = too_deep(text)
    if deep is not None:
        return LoadProblem(shown, deep, f"invalid YAML: nested more than {MAX_DEPTH} levels deep; not parsed")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml is several times faster
    documents: list[Any] = []
    lines: Lines = {}
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            prefix: tuple[Any, ...] = (len(documents),) if many else ()
            _walk(node, prefix, lines)
            documents.append(loader.construct_document(node))
            if not many:
                break
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return LoadProblem(shown, mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or 'syntax error'}")
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return LoadProblem(shown, 1, f"invalid YAML: {error}")
    finally:
        loader.dispose()
    if many:
        return documents, lines
    return (documents[0] if documents else {}), lines


def _walk(node: yaml.Node, prefix: tuple[Any, ...], lines: Lines) -> None:
    import yaml

    pending = [(node, prefix)]
    while pending:
        current, path = pending.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                here = (*path, str(key.value))
                lines[here] = key.start_mark.line + 1
                pending.append((value, here))
        elif isinstance(current, yaml.SequenceNode):
            for index, value in enumerate(current.value):
                here = (*path, index)
                lines[here] = value.start_mark.line + 1
                pending.append((value, here))
