"""The pure core of Clientbook: entities, value objects, domain errors and ports.

Nothing in this package imports anything outside the standard library; import-linter
enforces that in CI.
"""
