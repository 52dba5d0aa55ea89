"""Issue 20, a warm run: the estate's ARN index is built only when an ARN is looked up (est-d looks none up, and
its index cost a tenth of the graph's build)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ownlint.config.load import load_config
from ownlint.graph import build_graph
from ownlint.graph.relations import aws_arn
from ownlint.model import Resource
from ownlint.rules import KNOWN_IDS

CONFIG = """\
parties:
  internal: [platform]
  msp:
    acme:
      identities:
        aws_principals: [{principal}]
"""


def _bucket(index: int) -> Resource:
    address = f"aws_s3_bucket.b{index}"
    return Resource(
        address, "aws_s3_bucket", f"b{index}", "terraform", "main.tf", index, index, attributes=({"bucket": "b"},)
    )


def _user() -> Resource:
    return Resource(
        "aws_iam_user.ops", "aws_iam_user", "ops", "terraform", "main.tf", 1, 2, attributes=({"name": "ops"},)
    )


@pytest.mark.parametrize(
    ("principal", "built"), [('"arn:aws:iam::111122223333:root"', 0), ('"arn:aws:iam::111122223333:user/ops"', 1)]
)
def test_the_arn_index_is_built_only_for_a_lookup(monkeypatch: pytest.MonkeyPatch, principal: str, built: int) -> None:
    made: list[int] = []
    init = aws_arn.ArnIndex.__init__

    def counted(self: aws_arn.ArnIndex, *args: Any) -> None:
        made.append(1)
        init(self, *args)

    monkeypatch.setattr(aws_arn.ArnIndex, "__init__", counted)
    config = load_config(Path("ownlint.yaml"), KNOWN_IDS, text=CONFIG.format(principal=principal))
    graph = build_graph([_bucket(i) for i in range(3)] + [_user()], config)
    assert len(made) == built
    assert (("msp:acme", "aws_iam_user.ops", "assumes") in graph.edges) == bool(built)
