"""Terraform's functions as ownlint evaluates them, against ``terraform console`` (one batch process);
every function added for issue 19 has cases, errors included (both sides then give None)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.oracle import console_batch

from ownlint.loaders.terraform import hcl2_backend
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.functions import FUNCTIONS
from ownlint.loaders.terraform.functions.collections import MORE
from ownlint.loaders.terraform.functions.encoding import ENCODING
from ownlint.loaders.terraform.functions.files import ModuleFiles, file_functions
from ownlint.loaders.terraform.functions.times import TIMES
from ownlint.loaders.terraform.values import Unknown

CASES_FILE = Path(__file__).parent / "data" / "terraform-functions.txt"
CASES = [line for line in CASES_FILE.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]


def evaluate(expression: str) -> Any:
    """ownlint's value, as the console's ``try(jsonencode(...), null)`` gives it (errors: None)."""
    value = Evaluator({}, {}).value(hcl2_backend.parse_expression(expression))
    if isinstance(value, Unknown):
        return None if value.reason.startswith("evaluation error") else value
    return value


def test_every_added_function_agrees_with_terraform_console(tmp_path: Path) -> None:
    theirs = console_batch(tmp_path, CASES)
    disagree = [(case, evaluate(case), t) for case, t in zip(CASES, theirs, strict=True) if evaluate(case) != t]
    assert disagree == []


def test_every_added_function_has_console_cases() -> None:
    called = {name for case in CASES for name in re.findall(r"([a-z0-9_]+)\(", case)}
    assert sorted(set(MORE) | set(ENCODING) | set(TIMES)) == sorted(
        n for n in set(MORE) | set(ENCODING) | set(TIMES) if n in called
    )


@pytest.mark.parametrize("name", ["timestamp", "uuid", "bcrypt", "pathexpand", "plantimestamp"])
def test_impure_functions_stay_unknown(name: str) -> None:
    assert name not in FUNCTIONS
    value = Evaluator({}, {}).value(hcl2_backend.parse_expression(f'{name}("x")'))
    assert value == Unknown(f"function {name}() is not evaluated by ownlint")


FILE_CASES = [
    'file("hello.txt")',
    'file("sub/one.txt")',
    'file("missing.txt")',
    'file("bad-utf8.bin")',
    'yamldecode(file("data.yaml"))',
    'filebase64("hello.txt")',
    'filemd5("hello.txt")',
    'filesha1("hello.txt")',
    'filesha256("hello.txt")',
    'filesha512("hello.txt")',
    'filebase64sha256("hello.txt")',
    'filebase64sha512("hello.txt")',
    'fileexists("hello.txt")',
    'fileexists("missing.txt")',
    'fileexists("sub")',
    'fileexists("${path.module}/sub/one.txt")',
    'templatefile("tags.tftpl", {owner = "platform"})',
    'jsondecode(templatefile("tags.tftpl", {owner = "platform"})).owner',
    'templatefile("plain.tpl", {})',
    'templatefile("line.tpl", {n = 2})',
    'templatefile("../outside.tpl", {})',
]


def test_file_functions_agree_with_terraform_console(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "one.txt").write_text("1")
    (tmp_path / "hello.txt").write_text("Hello World\n")
    (tmp_path / "data.yaml").write_text("owner: platform\ntags: [a, b]\n")
    (tmp_path / "bad-utf8.bin").write_bytes(b"\xff\xfe")
    (tmp_path / "tags.tftpl").write_text('{"owner": "${owner}", "managed": "terraform"}')
    (tmp_path / "plain.tpl").write_text("no newline at the end")
    (tmp_path / "line.tpl").write_text("n=${n + 1}\n")
    theirs = console_batch(tmp_path, FILE_CASES)
    files = ModuleFiles(tmp_path.resolve(), tmp_path.resolve(), hcl2_backend.parse)
    ours = []
    for case in FILE_CASES:
        value = Evaluator({}, {}, files=files).value(hcl2_backend.parse_expression(case))
        ours.append(None if isinstance(value, Unknown) and value.reason.startswith("evaluation error") else value)
    assert ours == theirs
    assert set(file_functions(files)) <= {n for case in FILE_CASES for n in re.findall(r"([a-z0-9_]+)\(", case)}
