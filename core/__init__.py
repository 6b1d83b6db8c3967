"""Helpers every app may use: the lowest layer, importing no app (docs/architecture.md)."""
