"""Framework helpers shared by every app. Imports no domain app (import-linter holds this)."""
