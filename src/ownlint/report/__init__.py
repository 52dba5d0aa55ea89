"""Reporters: one module per output format, each ``render(report, ...) -> str``."""

# every --format, one module each in this package (text and json first, the rest for code hosts)
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab", "markdown")
