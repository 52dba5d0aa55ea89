"""Helm charts among the files found: a chart's ``Chart.yaml``, and the templates only ``helm template`` makes YAML."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ownlint.loaders.files import MAX_FILE_BYTES, read_text
from ownlint.model import LoadProblem


def is_helm_template(path: Path) -> bool:
    """A file under the ``templates/`` of a chart (beside a ``Chart.yaml``; one that names no chart is a
    problem of the chart, not a reason to read its templates as YAML) that only ``helm template`` makes
    YAML: it holds a Go template action (``{{``), or helm never renders it (its name starts with ``_``).
    A file without an action renders to itself, so it is read as the manifest it is."""
    if "templates" not in path.parts[:-1]:  # most files: answered without walking up (asked of every YAML file)
        return False
    if not any(p.name == "templates" and (p.parent / "Chart.yaml").is_file() for p in path.parents):
        return False
    if path.name.startswith("_"):
        return True
    try:
        with path.open("rb") as stream:
            return b"{{" in stream.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False  # read as a manifest: its problem is reported there


def is_chart(chart_yaml: Path) -> bool:
    """A ``Chart.yaml`` that is a mapping with an ``apiVersion`` and a ``name``, as helm requires."""
    try:
        status = chart_yaml.stat()
    except (OSError, ValueError):
        return False
    return _chart_file(str(chart_yaml), status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=256)
def _chart_file(path: str, mtime_ns: int, size: int) -> bool:
    """Whether the file (as of this modification time and size) is a chart's: read once per chart."""
    import yaml

    from ownlint.loaders.nesting import too_deep

    text = read_text(Path(path), path, 1024 * 1024)
    if isinstance(text, LoadProblem) or too_deep(text) is not None:
        return False
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return False
    return isinstance(data, dict) and all(isinstance(data.get(k), str) and data[k] for k in ("apiVersion", "name"))
