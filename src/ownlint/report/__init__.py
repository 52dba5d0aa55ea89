"""Reporters: one module per output format, each ``render(report, ...) -> str``."""

# every --format, one module each in this package (the human ones first, then json, the rest for code hosts)
FORMATS = ("text", "compact", "json", "sarif", "junit", "github", "gitlab", "markdown")
