"""Loading Kubernetes manifests: the files named (in worker processes when there are many), standard input,
and the Namespaces the repository defines elsewhere for the objects named."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint.loaders.files import MAX_FILE_BYTES, checked_text, read_text, relative
from ownlint.loaders.kubernetes.documents import Manifest, Parse, collect, documents_of, name_of
from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED
from ownlint.loaders.kubernetes.kustomize import build_all
from ownlint.loaders.kubernetes.namespaces import deployed_namespaces, merged_instances
from ownlint.loaders.kubernetes.resources import resources
from ownlint.loaders.kubernetes.toolconfigs import tool_config, tool_config_note
from ownlint.model import LoadProblem, LoadResult, Progress, Suppression
from ownlint.parallel import counter, run_chunks
from ownlint.suppressions.parse import ANNOTATION, annotation_suppressions

if TYPE_CHECKING:
    from ownlint.loaders.terraform.cache import ParseCache

NAMESPACE_KIND = re.compile(r"^\s*kind:\s*[\"']?Namespace[\"']?\s*$|\"kind\"\s*:\s*\"Namespace\"", re.M)
STDIN_NAME = "<stdin>"  # standard input, as findings name it


def load_kubernetes(
    root: Path,
    files: Iterable[Path],
    stdin_text: str | None = None,
    context: Iterable[Path] = (),
    jobs: int = 1,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
    rendered: Sequence[Manifest] = (),
    cache_dir: str | None = None,
    kustomizations: Iterable[Path] = (),
    bound: Path | None = None,
) -> LoadResult:
    """The objects of ``files`` (and standard input, and the Helm charts ``rendered``); ``context`` files
    only lend their Namespaces. With ``jobs`` > 1 the files are parsed in that many processes (when there
    are many). ``cache_dir``: the parse cache, used for YAML documents when ``open_cache`` finds it safe
    (its note is Terraform's). ``kustomizations``: the repository's, inside the real directory ``bound``:
    those that use ``files`` build them."""
    manifests: list[Manifest] = []
    problems: list[LoadProblem] = []
    shown_files: list[str] = []
    cache = _yaml_cache(root, cache_dir) if cache_dir is not None and files else None
    checked = str(cache.directory) if cache is not None else None
    tasks = [(str(root), str(p), max_bytes, checked) for p in files]
    read = counter(progress, "reading manifests", len(tasks))
    written = 0
    for shown, found, problem, stored in run_chunks(_read_manifests, tasks, jobs, on_chunk=read):
        shown_files.append(shown)
        manifests.extend(found)
        problems.extend(problem)
        written += stored
    if cache is not None and written:
        cache.written = written
        cache.prune()
    manifests.extend(rendered)
    shown_files.extend(sorted({m.file for m in rendered}))
    built = build_all(root, list(files), max_bytes, kustomizations, bound)
    if built.used:  # what kustomizations build is checked as their instances, never file by file
        manifests = [m for m in manifests if m.file not in built.used] + built.manifests
        problems = [p for p in problems if p.file not in built.used] + _unique(built.problems)
    if stdin_text is not None:
        shown_files.append(STDIN_NAME)
        collect(STDIN_NAME, checked_text(stdin_text, STDIN_NAME), manifests, problems)
    placed = [(m, tool_config(m.data) is not None) for m in manifests]
    tools = [m for m, tool in placed if tool]
    manifests = deployed_namespaces([m for m, tool in placed if not tool])
    namespaces = _context_namespaces(root, context, manifests, max_bytes)
    return LoadResult(
        resources=tuple(merged_instances(resources(manifests, namespaces))),
        problems=tuple(problems),
        notes=tuple(dict.fromkeys((*built.notes, *tool_config_note(tools)))),
        files=tuple(shown_files),
        suppressions=tuple(dict.fromkeys(s for manifest in manifests for s in _suppressions(manifest))),
    )


def _unique(problems: list[LoadProblem]) -> list[LoadProblem]:
    return list(dict.fromkeys(problems))


def _yaml_cache(root: Path, cache_dir: str) -> ParseCache | None:
    from ownlint.loaders.kubernetes.cached import BACKEND  # only runs with a cache
    from ownlint.loaders.terraform.cache import open_cache
    from ownlint.vcs.tree import repository_top

    return open_cache(Path(cache_dir), BACKEND, repository_top(root) or root.resolve())[0]


def _read_manifests(
    tasks: list[tuple[str, str, int, str | None]],
) -> list[tuple[str, list[Manifest], list[LoadProblem], int]]:
    """Each (root, path, size limit, checked cache directory)'s file as shown, its objects and problems, and
    the cache entries written (a worker's chunk, or all)."""
    results = []
    caches: dict[str, ParseCache] = {}
    for root, path, limit, cache_dir in tasks:
        shown = relative(Path(root), Path(path))
        found: list[Manifest] = []
        problems: list[LoadProblem] = []
        cache = _cache_in(caches, cache_dir)
        written = cache.written if cache is not None else 0
        collect(shown, read_text(Path(path), shown, limit), found, problems, _cached(cache))
        results.append((shown, found, problems, (cache.written - written) if cache is not None else 0))
    return results


def _cached(cache: ParseCache | None) -> Parse | None:
    """How a file's YAML is parsed through ``cache`` (None: parsed each time)."""
    if cache is None:
        return None
    from ownlint.loaders.kubernetes.cached import cached_documents  # only runs with a cache

    return lambda text, shown: cached_documents(cache, text, shown, documents_of)


def _cache_in(caches: dict[str, ParseCache], directory: str | None) -> ParseCache | None:
    """The cache in ``directory`` (one ``open_cache`` checked in the parent), made once per chunk."""
    if directory is None:
        return None
    if directory not in caches:
        from ownlint.loaders.kubernetes.cached import BACKEND
        from ownlint.loaders.terraform.cache import ParseCache

        caches[directory] = ParseCache(Path(directory), BACKEND)
    return caches[directory]


def _context_namespaces(
    root: Path, context: Iterable[Path], manifests: list[Manifest], max_bytes: int = MAX_FILE_BYTES
) -> list[Manifest]:
    """The Namespaces defined in ``context`` files that ``manifests`` are placed in and do not define:
    a text search picks the few files worth parsing (a pre-commit run names one file of thousands)."""
    used = {_namespace_of(m.data) or "default" for m in manifests if m.data["kind"] not in CLUSTER_SCOPED}
    wanted = used - {name_of(m.data) for m in manifests if m.data["kind"] == "Namespace"}
    found: list[Manifest] = []
    if not wanted:
        return found
    for path in context:
        text = read_text(path, path.name, max_bytes)
        if isinstance(text, LoadProblem) or not any(n in text for n in wanted) or not NAMESPACE_KIND.search(text):
            continue
        documents: list[Manifest] = []
        collect(relative(root, path), text, documents, [])  # problems there are not this run's
        for document in documents:
            if document.data["kind"] == "Namespace" and name_of(document.data) in wanted:
                found.append(document)
                wanted.discard(name_of(document.data))  # the nearest definition stands
        if not wanted:
            break
    return found


def _namespace_of(data: dict[str, Any]) -> str | None:
    meta = data.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return str(namespace) if namespace else None


def _suppressions(manifest: Manifest) -> list[Suppression]:
    """The object's ``ownlint.io/ignore`` annotation, if any."""
    metadata = manifest.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or ANNOTATION not in annotations:
        return []
    written = manifest.lines.get(("metadata", "annotations", ANNOTATION), manifest.line)
    found = annotation_suppressions(manifest.file, written, annotations[ANNOTATION])
    return [replace(s, target_line=manifest.line) for s in found]


def manifests_read(kubernetes: LoadResult) -> tuple[str, ...]:
    """The manifests that count as files checked: those that held a Kubernetes object or could not be read
    as one (an OWN000 is located in them). Other YAML and JSON (CI workflows, chart values, OpenAPI) does
    not: a summary of "30 files" should count the infrastructure that was judged, as flake8 counts .py files."""
    held = {r.file for r in kubernetes.resources} | {p.file for p in kubernetes.problems}
    return tuple(f for f in kubernetes.files if f in held)
