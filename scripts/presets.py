"""Write each shipped preset's precomputed form, ``src/ownlint/config/presets/NAME.json``, from ``NAME.yaml``:
the document and the line of every value by key path, as ``ownlint.config.yaml.load_located`` composes them
(a run decodes the JSON instead of composing the YAML; tests/test_hook_speed.py checks they agree).

Usage: python scripts/presets.py
"""

from __future__ import annotations

import json
from pathlib import Path

from ownlint.config.load import PRESETS, preset_text
from ownlint.config.yaml import load_located

DIRECTORY = Path(__file__).resolve().parent.parent / "src" / "ownlint" / "config" / "presets"

if __name__ == "__main__":
    for name in PRESETS:
        located = load_located(preset_text(name), f"preset {name}")
        stored = {"data": located.data, "lines": [[list(path), line] for path, line in located.lines.items()]}
        (DIRECTORY / f"{name}.json").write_text(json.dumps(stored, separators=(",", ":")) + "\n", "utf-8")
