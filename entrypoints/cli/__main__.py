"""``python -m entrypoints.cli`` runs the same program as the ``clientbook`` script."""

from entrypoints.cli.main import run

run()
