"""The two consoles: data on stdout, everything else on stderr."""

from __future__ import annotations

from rich.console import Console

out_console = Console(soft_wrap=False)
err_console = Console(stderr=True)
