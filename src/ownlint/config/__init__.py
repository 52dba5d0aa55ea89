"""``ownlint.yaml``: one per run, found at the top of the repository (``load``), validated against its schema
(``schema``) as YAML composed with every line recorded (``yaml``), merged over a preset (``presets/``), built
into the values of ``model``; ``globs`` matches the resource-type patterns it is written in."""

from __future__ import annotations

from ownlint.config.load import (
    CONFIG_NAMES,
    DEFAULT_PRESET,
    PRESETS,
    config_at_ref,
    config_top,
    find_config,
    load_config,
    preset_text,
)
from ownlint.config.model import (
    Boundary,
    Category,
    CodeOwners,
    Config,
    Default,
    Inheritance,
    Msp,
    TypeAnswers,
    Waiver,
)
from ownlint.config.schema import did_you_mean

__all__ = [
    "CONFIG_NAMES",
    "DEFAULT_PRESET",
    "PRESETS",
    "Boundary",
    "Category",
    "CodeOwners",
    "Config",
    "Default",
    "Inheritance",
    "Msp",
    "TypeAnswers",
    "Waiver",
    "config_at_ref",
    "config_top",
    "did_you_mean",
    "find_config",
    "load_config",
    "preset_text",
]
