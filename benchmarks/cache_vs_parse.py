"""Per .tf file of a repository: parsing with tree-sitter into ownlint's model against reading the parse
cache's entry for it, by size bucket (`python benchmarks/cache_vs_parse.py REPO [--files N]`)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ownlint.loaders.terraform import ts_backend
from ownlint.loaders.terraform.cache import ParseCache

BUCKETS = ((1024, "<1 KB"), (4096, "1-4 KB"), (16384, "4-16 KB"), (1 << 62, ">=16 KB"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repository", type=Path)
    parser.add_argument("--files", type=int, default=1500)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cache = ParseCache(Path(directory), "ts-benchmark")
        totals: dict[str, list[float]] = {name: [0, 0.0, 0.0] for _, name in BUCKETS}
        for path in sorted(options.repository.rglob("*.tf"))[: options.files]:
            text = path.read_text(errors="replace")
            start = time.perf_counter()
            model = ts_backend.parse(text, path.name)
            parsed = time.perf_counter()
            cache.put(text, model)
            read = time.perf_counter()
            cache.get(text, path.name)
            done = time.perf_counter()
            name = next(n for limit, n in BUCKETS if len(text.encode()) < limit)
            totals[name][0] += 1
            totals[name][1] += parsed - start
            totals[name][2] += done - read
    for name, (count, parse, entry) in totals.items():
        if count:
            each = 1e3 / count
            print(f"{name:8} {int(count):5} files  parse {parse * each:6.2f} ms  cache {entry * each:6.2f} ms")


if __name__ == "__main__":
    main()
