"""Helm charts: rendered with ``helm template`` where the command line found helm, and their objects located
in the template files helm's ``# Source:`` comments name. The chart is untrusted input: only its path is on
helm's command line (never ``--repo``, never a dependency update: no network), helm runs with a clean
environment in a scratch directory, for a bounded time and output; a chart with a symlink out of the tree is
not rendered. A chart that cannot be read or rendered is a located problem at its ``Chart.yaml``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path, PurePosixPath

from ownlint.loaders.discovery import is_chart
from ownlint.loaders.files import MAX_FILE_BYTES, links_outside, relative
from ownlint.loaders.kubernetes.documents import DOCUMENT_START, Manifest, collect
from ownlint.model import LoadProblem
from ownlint.records import record

RELEASE = "release"  # the release name helm renders with: fixed, never taken from the chart
TIMEOUT = 60.0  # seconds for one chart
SOURCE = re.compile(r"^# Source: (.+?)\s*$", re.M)


@record(frozen=True)
class HelmRun:
    """How charts are rendered: the helm binary (found by the command line), limits, values files by chart."""

    binary: str
    timeout: float = TIMEOUT
    max_bytes: int = MAX_FILE_BYTES
    values: Mapping[Path, tuple[Path, ...]] = field(default_factory=dict)  # chart (resolved) -> values files


@record()
class Rendered:
    """The objects of the charts rendered, the problems of those that could not be, and every template
    file they cover (the rest stay skipped, with a note)."""

    manifests: list[Manifest] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    covered: set[Path] = field(default_factory=set)


def chart_of(template: Path) -> Path:
    """The chart a template file is in: the directory above its nearest ``templates``."""
    return next(p.parent for p in template.parents if p.name == "templates")


def render_charts(root: Path, templates: Sequence[Path], helm: HelmRun | None, read: Iterable[Path]) -> Rendered:
    """Each chart of ``templates``: an invalid ``Chart.yaml`` is a problem; with ``helm``, the chart rendered
    (its documents from files ``read`` as manifests already are left out)."""
    charts: dict[Path, list[Path]] = {}
    for template in templates:
        charts.setdefault(chart_of(template), []).append(template)
    done = Rendered()
    already = {p.resolve() for p in read} if helm is not None and charts else set()  # only when rendering
    for chart, files in sorted(charts.items()):
        shown = relative(root, chart / "Chart.yaml")
        if not is_chart(chart / "Chart.yaml"):
            done.covered.update(files)
            why = "invalid Chart.yaml: helm needs a mapping with apiVersion and name; the chart's"
            done.problems.append(LoadProblem(shown, 1, f"{why} {_unchecked(len(files))}"))
            continue
        if helm is None:
            continue
        done.covered.update(files)
        values = helm.values.get(chart.resolve(), ())
        failure = _outside(root, chart, values) or _render(root, chart, helm, values, already, done)
        if failure is not None:
            message = f"Helm chart not rendered: {_printable(failure)}; its {_unchecked(len(files))}"
            done.problems.append(LoadProblem(shown, 1, message))
    return done


def _outside(root: Path, chart: Path, values: Sequence[Path]) -> str | None:
    """Why helm may not read the chart: it or a values file is not in the tree, or a symlink in the chart
    or a values file leads out of the tree."""
    real_root = root.resolve()
    for path in (chart, *values):
        real = path.resolve()
        if real != real_root and real_root not in real.parents:
            return f"{_shown(root, path)} {'links' if path.is_symlink() else 'is'} outside the scanned tree"
        if path is not chart and not real.is_file():
            return f"its values file {_shown(root, path)} is not a file"
    for current, directories, names in os.walk(chart, followlinks=False):
        for name in sorted([*directories, *names]):
            if links_outside(Path(current, name), real_root):
                return f"{_shown(root, Path(current, name))} links outside the scanned tree"
    return None


def _shown(root: Path, path: Path) -> str:
    """``path`` from the root as written: a link, not its target."""
    return Path(os.path.relpath(path, root)).as_posix()


def _render(
    root: Path, chart: Path, helm: HelmRun, values: Sequence[Path], already: set[Path], done: Rendered
) -> str | None:
    """Run ``helm template`` on the chart and collect its documents; the reason it failed, or None."""
    import tempfile  # the process machinery loads only when a chart is rendered: pre-commit's start-up budget

    from ownlint.loaders.kubernetes.process import run_bounded

    given = [item for path in values for item in ("--values", str(path.resolve()))]
    argv = [helm.binary, "template", RELEASE, str(chart.resolve()), *given]
    with tempfile.TemporaryDirectory(prefix="ownlint-helm-") as scratch:
        env = {
            "HOME": scratch,
            "PATH": os.defpath,
            "HELM_CACHE_HOME": os.path.join(scratch, "cache"),
            "HELM_CONFIG_HOME": os.path.join(scratch, "config"),
            "HELM_DATA_HOME": os.path.join(scratch, "data"),
        }
        ran = run_bounded(argv, env, scratch, helm.timeout, helm.max_bytes, "helm template")
    if ran.failure is not None:
        return ran.failure
    text = ran.output.decode("utf-8", "replace")
    starts = [m.start() for m in DOCUMENT_START.finditer(text)]
    for begin, end in zip([0, *starts], [*starts, len(text)], strict=True):
        _document(root, chart, text[begin:end], already, done)
    return None


def _document(root: Path, chart: Path, text: str, already: set[Path], done: Rendered) -> None:
    """One rendered document, located in the template file its ``# Source:`` names (in the chart)."""
    source = SOURCE.search(text)
    file = _source_file(chart, source.group(1)) if source is not None else None
    if file is not None and file.resolve() in already:
        return  # a file without template actions: read as the manifest it is
    shown = relative(root, file if file is not None else chart / "Chart.yaml")
    found: list[Manifest] = []
    problems: list[LoadProblem] = []
    collect(shown, text, found, problems)
    done.manifests.extend(replace(m, line=1, end_line=1, lines={}) for m in found)
    done.problems.extend(replace(p, line=1, message=f"{p.message} (as helm rendered it)") for p in problems)


def _source_file(chart: Path, source: str) -> Path | None:
    """The file ``NAME/templates/x.yaml`` names in the chart, if it is one there (no ``..``, no link)."""
    parts = PurePosixPath(source).parts[1:]
    if not parts or any(p in ("..", ".", "") or "\\" in p for p in parts) or PurePosixPath(source).is_absolute():
        return None
    candidate = chart.joinpath(*parts)
    return candidate if candidate.is_file() and not candidate.is_symlink() else None


def _unchecked(count: int) -> str:
    return f"{count} template file is not checked" if count == 1 else f"{count} template files are not checked"


def _printable(text: str) -> str:
    """``text`` with control characters as escapes, at most 200 characters (helm's error output is the chart's)."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)
    return shown if len(shown) <= 200 else shown[:199] + "…"
