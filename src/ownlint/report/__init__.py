"""What ownlint writes: findings in every ``--format`` (``findings/``), the audit's reports (``audit/``), the
graph (``graph``), ``explain`` pages (``explain``), baselines (``baseline``), and how it writes: escaped for
where it goes (``escape``), paths as a person opens them (``paths``), files atomically and never through a
link out of the working tree (``write``). Reporters format; they decide nothing."""
