"""ownlint: ownership policy linter for Terraform and Kubernetes."""

__version__ = "0.1.0"
