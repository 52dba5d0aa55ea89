"""Loaders turn files into resources; they never decide policy."""
