"""The declared MSPs by name, as the rules ask for every resource: in any case, the first declared of a name,
and each config's own (the names are kept for the last config asked)."""

from __future__ import annotations

from pathlib import Path

from ownlint.config import Config, load_config
from ownlint.ownership import msp_named, operator_kind, party_kind
from ownlint.rules import KNOWN_IDS


def _config(tmp_path: Path, name: str, msps: str) -> Config:
    path = tmp_path / name
    path.write_text(f"parties:\n  internal: [platform]\n  msp:\n{msps}")
    return load_config(path, KNOWN_IDS)


def test_an_msp_is_named_in_any_case_and_each_config_has_its_own(tmp_path: Path) -> None:
    first = _config(tmp_path, "a.yaml", "    Acme: {location: offshore, contracts: [A-1]}\n")
    second = _config(tmp_path, "b.yaml", "    nord: {location: nearshore, contracts: [N-1]}\n")
    for _ in range(2):
        assert msp_named(first, "ACME") == "Acme" and msp_named(first, "nord") is None
        assert msp_named(second, "Nord") == "nord" and msp_named(second, "acme") is None
        assert party_kind(first, "acme") == "msp" and party_kind(second, "acme") is None
        assert operator_kind(second, "NORD") == "msp" and msp_named(second, None) is None
