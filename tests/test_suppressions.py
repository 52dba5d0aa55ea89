"""Suppressions: inline comments, ignore-file, module blocks, annotations, waivers, expiry and OWN013."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.conftest import ROOT, run_cli

from ownlint.suppressions.parse import comment_suppressions

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'


def rules_and_resources(root: Path, *options: str) -> list[tuple[str, str]]:
    run = run_cli("check", str(root), "--select", "OWN001,OWN013", "--format", "json", *options)
    return [(f["rule"], f["resource"]) for f in run.json()["findings"]]


@pytest.mark.parametrize(
    "text",
    [
        '# ownlint:ignore OWN001 reason="drained in PLAT-9"\n' + QUEUE,
        '// ownlint:ignore OWN001 reason="drained in PLAT-9"\n' + QUEUE,
        '# ownlint:ignore OWN001 reason="drained in PLAT-9"\n# another comment\n' + QUEUE,
        QUEUE.replace("{\n", '{ # ownlint:ignore OWN001 reason="drained in PLAT-9"\n', 1),
        '# ownlint:ignore all reason="every rule, drained in PLAT-9"\n' + QUEUE,
        '# ownlint:ignore-file OWN001 reason="generated"\n\n' + QUEUE + QUEUE.replace('"q"', '"r"'),
    ],
    ids=["hash-above", "slashes-above", "comment-run", "on-the-line", "every-rule", "ignore-file"],
)
def test_inline_ignores_hide_the_finding_and_count_it(tree: Any, text: str) -> None:
    root = tree({"main.tf": text})
    assert rules_and_resources(root) == []
    run = run_cli("check", str(root), "--select", "OWN001")
    assert run.exit_code == 0
    assert " suppressed" in run.stdout and run.stdout.endswith(" (--show-suppressed lists them).\n")


@pytest.mark.parametrize(
    "text",
    [
        '# ownlint:ignore OWN001 reason="x"\n\n' + QUEUE,  # a blank line ends the comment run
        '# ownlint:ignore OWN005 reason="another rule"\n' + QUEUE,
        QUEUE + '# ownlint:ignore OWN001 reason="below the block"\n',
    ],
    ids=["blank-line-between", "other-rule", "below"],
)
def test_ignores_that_do_not_cover_the_finding(tree: Any, text: str) -> None:
    assert ("OWN001", "aws_sqs_queue.q") in rules_and_resources(tree({"main.tf": text}))


def test_a_misplaced_comment_is_reported() -> None:
    [suppression] = comment_suppressions("main.tf", '# ownlint:ignore OWN001 reason="x"\n\n' + QUEUE, [3])
    assert suppression.target_line == 0


def test_expired_inline_ignore_yields_own013_and_the_original_finding(tree: Any) -> None:
    root = tree({"main.tf": '# ownlint:ignore OWN001 reason="until the migration" expires=2026-01-31\n' + QUEUE})
    assert rules_and_resources(root) == [("OWN013", "aws_sqs_queue.q"), ("OWN001", "aws_sqs_queue.q")]
    assert rules_and_resources(root, "--today", "2026-01-31") == []
    run = run_cli("check", str(root), "--select", "OWN013", "--today", "2026-02-01")
    assert run.stdout.splitlines()[1] == (
        "     1  error    OWN013 expired-waiver: ownlint:ignore OWN001 on aws_sqs_queue.q expired on 2026-01-31, "
        "so it suppresses nothing (its reason: until the migration)"
    )


def test_unreadable_expiry_counts_as_past(tree: Any) -> None:
    root = tree({"main.tf": '# ownlint:ignore OWN001 reason="x" expires=someday\n' + QUEUE})
    assert ("OWN013", "aws_sqs_queue.q") in rules_and_resources(root)


def test_own013_cannot_be_suppressed(tree: Any) -> None:
    root = tree({"main.tf": '# ownlint:ignore-file all reason="hide everything"\n# ownlint:ignore OWN001\n' + QUEUE})
    assert rules_and_resources(root) == [("OWN013", "aws_sqs_queue.q")]


def test_ignore_on_a_module_block_covers_the_resources_inside(tree: Any) -> None:
    root = tree(
        {
            "main.tf": '# ownlint:ignore OWN001 reason="vendor module, owned upstream"\n'
            'module "vendor" {\n  source = "./vendor"\n}\n' + QUEUE,
            "vendor/main.tf": QUEUE.replace('"q"', '"inner"'),
        }
    )
    assert rules_and_resources(root) == [("OWN001", "aws_sqs_queue.q")]


def test_kubernetes_annotation_with_rules_reason_and_expiry(tree: Any) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
        '    ownlint.io/ignore: "OWN001: owned by the vendor; expires=2099-01-01"\n'
    )
    root = tree({"c.yaml": manifest})
    assert rules_and_resources(root) == []
    run = run_cli("check", str(root), "--select", "OWN001", "--format", "json", "--show-suppressed")
    [hidden] = run.json()["suppressed"]
    assert hidden["suppressed_by"] == {
        "source": "annotation",
        "rules": ["OWN001"],
        "file": "c.yaml",
        "line": 6,
        "reason": "owned by the vendor",
        "expires": "2099-01-01",
        "approved_by": None,
    }
    assert run.json()["summary"]["suppressed"] == 1


def test_waivers_match_addresses_and_stack_qualified_addresses(tree: Any) -> None:
    waiver = "waivers:\n  - {rule: OWN001, resource: 'legacy//aws_sqs_queue.*', reason: 'drained in Q3', expires: 2099-01-01}\n"
    root = tree({"ownlint.yaml": waiver, "legacy/main.tf": QUEUE, "current/main.tf": QUEUE})
    assert rules_and_resources(root) == [("OWN001", "aws_sqs_queue.q")]
    run = run_cli("check", str(root), "--select", "OWN001", "--format", "json", "--show-suppressed")
    assert [s["file"] for s in run.json()["suppressed"]] == ["legacy/main.tf"]


def test_sarif_lists_suppressed_results_with_their_justification(tree: Any) -> None:
    root = tree({"main.tf": '# ownlint:ignore OWN001 reason="drained in PLAT-9"\n' + QUEUE})
    run = run_cli("check", str(root), "--select", "OWN001", "--format", "sarif", "--show-suppressed")
    document = json.loads(run.stdout)
    jsonschema.validate(document, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    [result] = document["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "drained in PLAT-9"}]


def test_show_suppressed_in_text(tree: Any, monkeypatch: Any) -> None:
    root = tree({"main.tf": '# ownlint:ignore OWN001 reason="drained in PLAT-9" expires=2099-12-31\n' + QUEUE})
    monkeypatch.chdir(root)  # text names files from the current directory
    run = run_cli("check", str(root), "--select", "OWN001", "--show-suppressed")
    assert run.stdout == (
        "suppressed:\n"
        "  main.tf:2  OWN001 aws_sqs_queue.q\n"
        "        by comment (main.tf:1) until 2099-12-31: drained in PLAT-9\n"
        "\n"
        "No findings in 1 file (1 resource), preset hybrid-it. 1 suppressed.\n"
    )
