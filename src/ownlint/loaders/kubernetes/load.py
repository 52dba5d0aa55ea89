"""Loading Kubernetes manifests: the files named (in worker processes when there are many), standard input,
and the Namespaces the repository defines elsewhere for the objects named."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.collector import uncollected
from ownlint.loaders.files import MAX_FILE_BYTES, checked_text, read_text, relative
from ownlint.loaders.kubernetes.documents import Manifest, Parsed, collect, name_of, namespace_of
from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED
from ownlint.loaders.kubernetes.namespaces import deployed_namespaces, merged_instances
from ownlint.loaders.kubernetes.reading import Bucket, OneByOne, buckets, files_of, read_buckets
from ownlint.loaders.kubernetes.resources import resources
from ownlint.loaders.kubernetes.toolconfigs import tool_config_note, tool_configs
from ownlint.loaders.kubernetes.users import NAMES, Users, kustomize_users
from ownlint.model import LoadProblem, LoadResult, Progress, Suppression
from ownlint.parallel import MIN_PARALLEL_FILES, counter, run_chunks
from ownlint.suppressions.parse import ANNOTATION, annotation_suppressions

if TYPE_CHECKING:
    from ownlint.loaders.kubernetes.cached import ManifestCache
    from ownlint.loaders.kubernetes.kustomize import Built

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
    with uncollected():
        return _load(
            root, files, stdin_text, context, jobs, max_bytes, progress, rendered, cache_dir, kustomizations, bound
        )


def _load(
    root: Path,
    files: Iterable[Path],
    stdin_text: str | None,
    context: Iterable[Path],
    jobs: int,
    max_bytes: int,
    progress: Progress | None,
    rendered: Sequence[Manifest],
    cache_dir: str | None,
    kustomizations: Iterable[Path],
    bound: Path | None,
) -> LoadResult:
    manifests: list[Manifest] = []
    problems: list[LoadProblem] = []
    shown_files: list[str] = []
    cache = _manifest_cache(root, cache_dir) if cache_dir is not None and files else None
    setup = (str(cache.directory), cache.repository) if cache is not None else None
    tasks = [Bucket(str(root), number, directories, max_bytes, setup) for number, directories in buckets(files)]
    total = sum(map(files_of, tasks))
    read = counter(progress, "reading manifests", total, files_of)
    written = 0
    found_of: list[tuple[int, str, list[Manifest], list[LoadProblem]]] = []
    least = 1 if total >= MIN_PARALLEL_FILES else len(tasks) + 1  # workers for many files, however grouped
    if cache is not None and all(cache.holds(task.number) for task in tasks):
        jobs = 1  # a warm run decodes entries: workers would cost more (a fork, results sent back) than they save
    for done, stored in run_chunks(read_buckets, tasks, jobs, minimum=least, on_chunk=read, weight=files_of):
        found_of.extend(done)
        written += stored
    read_now: dict[str, Parsed] = {}
    for _, shown, found, problem in sorted(found_of, key=lambda item: item[0]):  # in the order of ``files``
        shown_files.append(shown)
        manifests.extend(found)
        problems.extend(problem)
        read_now[shown] = (found, problem)
    if cache is not None:
        cache.store.written += written
    manifests.extend(rendered)
    shown_files.extend(sorted({m.file for m in rendered}))
    built = _built(root, list(files), max_bytes, kustomizations, bound, read_now)
    if built is not None and built.used:  # what kustomizations build is checked as their instances, never file by file
        manifests = [m for m in manifests if m.file not in built.used] + built.manifests
        problems = [p for p in problems if p.file not in built.used] + _unique(built.problems)
    if stdin_text is not None:
        shown_files.append(STDIN_NAME)
        collect(STDIN_NAME, checked_text(stdin_text, STDIN_NAME), manifests, problems)
    placed = list(zip(manifests, tool_configs(manifests), strict=True))
    tools = [m for m, tool in placed if tool]
    manifests = deployed_namespaces([m for m, tool in placed if not tool])
    namespaces = _context_namespaces(root, context, manifests, max_bytes, cache)
    if cache is not None:
        cache.prune()  # when an entry was written
    return LoadResult(
        resources=tuple(merged_instances(resources(manifests, namespaces))),
        problems=tuple(problems),
        notes=tuple(dict.fromkeys((*(built.notes if built is not None else ()), *tool_config_note(tools)))),
        files=tuple(shown_files),
        suppressions=tuple(dict.fromkeys(_all_suppressions(manifests))),
    )


def _built(
    root: Path,
    files: list[Path],
    max_bytes: int,
    kustomizations: Iterable[Path],
    bound: Path | None,
    known: Mapping[str, Parsed],
) -> Built | None:
    """What ``kustomize.build_all`` builds, or None when there is nothing to build: no kustomization named, none
    elsewhere using the files named (the builder and its transformers are imported only for one to build)."""
    users = kustomize_users(files, kustomizations, bound, max_bytes) if bound is not None else Users()
    if not users.tops and not any(p.name in NAMES for p in files):
        return None
    from ownlint.loaders.kubernetes.kustomize import build_all

    return build_all(root, files, max_bytes, kustomizations, bound, known, users)


def _unique(problems: list[LoadProblem]) -> list[LoadProblem]:
    return list(dict.fromkeys(problems))


def _manifest_cache(root: Path, cache_dir: str) -> ManifestCache | None:
    """The manifest cache beside the parse cache in ``cache_dir``, when it is safe to use (no note: Terraform's
    says why the parse cache's directory is not)."""
    from ownlint.loaders.kubernetes.cached import ManifestCache  # only runs with a cache
    from ownlint.loaders.terraform.store import usable_directory
    from ownlint.vcs.tree import repository_top

    repository, directory = repository_top(root) or root.resolve(), Path(cache_dir) / "manifests"
    usable, _ = usable_directory(directory, repository, "manifest cache")
    return ManifestCache(directory, str(repository)) if usable else None


def _context_namespaces(
    root: Path,
    context: Iterable[Path],
    manifests: list[Manifest],
    max_bytes: int = MAX_FILE_BYTES,
    cache: ManifestCache | None = None,
) -> list[Manifest]:
    """The Namespaces defined in ``context`` files that ``manifests`` are placed in and do not define:
    a text search picks the few files worth parsing (a pre-commit run names one file of thousands), parsed
    through the ``cache`` when there is one (a warm pre-commit run of a manifest then imports no YAML parser)."""
    used = set()
    defined = set()
    for manifest in manifests:  # (one loop, the namespace read in it: thousands of objects)
        data = manifest.data
        kind = data["kind"]
        if kind == "Namespace":
            defined.add(name_of(data))
        if kind not in CLUSTER_SCOPED:
            used.add(namespace_of(data) or "default")
    wanted = used - defined
    found: list[Manifest] = []
    if not wanted:
        return found
    through = OneByOne(cache, time.time_ns()) if cache is not None else None  # before any file is looked at
    for path in context:
        text = read_text(path, path.name, max_bytes)
        if isinstance(text, LoadProblem) or not any(n in text for n in wanted) or not NAMESPACE_KIND.search(text):
            continue
        documents: list[Manifest] = []
        parse = through.parse(str(path)) if through is not None else None
        collect(relative(root, path), text, documents, [], parse)  # problems there are not this run's
        for document in documents:
            if document.data["kind"] == "Namespace" and name_of(document.data) in wanted:
                found.append(document)
                wanted.discard(name_of(document.data))  # the nearest definition stands
        if not wanted:
            break
    if through is not None:
        through.save()
    return found


def _all_suppressions(manifests: list[Manifest]) -> list[Suppression]:
    """The objects' ``ownlint.io/ignore`` annotations: those of the few objects with annotations looked at (in one
    loop, not a call per object)."""
    found = []
    for manifest in manifests:
        metadata = manifest.data.get("metadata")
        if isinstance(metadata, dict) and "annotations" in metadata:
            found.extend(_suppressions(manifest))
    return found


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
