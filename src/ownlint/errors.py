"""The one user-facing error type; ``cli.main`` turns it into a message and exit code 2."""

from __future__ import annotations


class OwnlintError(Exception):
    """A problem the user can fix (bad config, missing path, bad option): one line, exit 2."""

    exit_code = 2


class ConfigError(OwnlintError):
    """``ownlint.yaml`` is unreadable or invalid; the message names the file, line and key path."""
