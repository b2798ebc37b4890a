"""``python -m tracee_py`` runs the CLI."""

from tracee_py.cli.app import main

main()
