"""``ownlint baseline``: record the findings a check reports now, so that ``check --baseline FILE`` reports
only new ones."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from ownlint.inputs import Inputs
from ownlint.pipeline import findings_of, load, select_rules


@dataclass(frozen=True)
class BaselineOptions:
    inputs: Inputs = field(default_factory=Inputs)
    target: Path = Path(".ownlint-baseline.json")
    today: datetime.date | None = None  # expiry dates are checked against it (default: today)


@dataclass(frozen=True)
class BaselineResult:
    recorded: int  # findings written
    notes: tuple[str, ...]


def run_baseline(options: BaselineOptions) -> BaselineResult:
    """Write every finding a check reports now (suppressed ones excepted) to ``options.target``."""
    loaded = load(options.inputs)
    found, _ = findings_of(select_rules((), ()), loaded, options.today or datetime.date.today())
    from ownlint.report import baseline  # the baseline machinery, only when a baseline is written
    from ownlint.report.write import write_atomically

    write_atomically(options.target, baseline.render(found, datetime.datetime.now(datetime.timezone.utc)))
    return BaselineResult(len(found), loaded.notes)
