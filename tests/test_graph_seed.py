"""Issue 20: the graph's edges come in the same order whatever the hash seed (a set of ARN prefixes was iterated:
``ownlint graph`` and the paths findings show followed PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MAIN = """\
resource "aws_iam_role" "ops" {
  name = "ops"
}

resource "aws_iam_role_policy" "read" {
  role   = aws_iam_role.ops.name
  policy = jsonencode({Statement = [{Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::data*"}]})
}
"""


def _graph(root: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "ownlint", "graph", "--format", "json", "--no-cache", str(root)]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def test_graph_edges_do_not_follow_the_hash_seed(tmp_path: Path) -> None:
    buckets = ("data", "data-a", "data-b", "dat", "datum", "data-archive", "data/x", "datastore")
    text = MAIN + "".join(
        f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "{name}"\n}}\n' for i, name in enumerate(buckets)
    )
    (tmp_path / "main.tf").write_text(text)
    first = _graph(tmp_path, "1")
    assert first.count('"grants"') >= len(buckets) - 1  # every bucket the pattern names is granted
    assert all(_graph(tmp_path, seed) == first for seed in ("2", "3", "4"))
