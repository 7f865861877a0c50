"""Composition root: settings read once from the environment, and the `shebao` CLI."""
