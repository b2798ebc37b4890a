"""The ``tracee-py`` command. Each command group lives in its own module and registers
itself here; this module only wires them together and turns errors into one clear line."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from tracee_py import __version__

try:  # typer >= 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer uses click itself
    from click.exceptions import ClickException as _ClickException  # type: ignore[assignment]
from tracee_py.cli import evidence, fleet, investigate, record, report, sig
from tracee_py.cli.console import err_console, error_line
from tracee_py.errors import TraceePyError
from tracee_py.query.interrupt import is_interrupt


class _Commands(TyperGroup):
    """Every command, whichever group it is in, reports a tracee-py error the same way: one
    line on stderr and the error's exit code (also when run in-process, as tests do)."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except TraceePyError as exc:
            err_console.print(error_line(str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Commands,
    name="tracee-py",
    help="Forensic flight recorder for Linux and Kubernetes nodes: record with eBPF into "
    "Parquet, investigate with SQL and process trees, detect with signatures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracee-py {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """tracee-py: record, investigate and detect."""


record.register(app)
investigate.register(app)
evidence.register(app)
fleet.register(app)
sig.register(app)
report.register(app)


def main() -> None:
    try:
        # Without standalone mode click returns the code of typer.Exit instead of exiting.
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except RuntimeError as exc:  # DuckDB's answer to Ctrl-C during a query
        if not is_interrupt(exc):
            raise
        err_console.print("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except _ClickException as exc:  # usage errors arrive here in non-standalone mode
        exc.show()
        sys.exit(exc.exit_code)
