"""``python -m graph`` runs the ``actorgraph`` command."""

from graph.cli import main

main()
