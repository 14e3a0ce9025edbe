"""Synthetic London: a generator of partner data feeds for a wholly synthetic population.

No Django here. Entry points: `generate` (Python) and `octopus.synthetic.cli.app` (Typer).
"""

from octopus.synthetic.generator import Manifest, generate

__all__ = ["Manifest", "generate"]
