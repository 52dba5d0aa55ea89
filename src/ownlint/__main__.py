from __future__ import annotations

from ownlint.cli import run

if __name__ == "__main__":
    run()
