"""The ``derive`` command line.  Every command turns bad input into one line on
stderr and exit status 2; nothing is written unless everything succeeded."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

import click

from derive._version import __version__
from derive.core.errors import LINE_WIDTH, DeriveError, InputError, cut

EPILOG_SOLVE = """\b
Examples:
  derive solve                          # the lecture's 2-2-2 example -> output/lecture/
  derive solve net.yaml --format md,json --out sheet/
  derive solve --format json            # JSON on stdout
  derive solve net.yaml --precision 4 --exact
  derive solve net.yaml --chain-rounding 4   # each step from the previous rounded values, as by hand
  derive solve --variant 2026-7-BFS.GDS-W --question 2   # a question of an exam variant
  derive solve --variant 2026-3-BFS3QY.GDS-K --exam midterm.yaml   # a teacher-authored one
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="""\b
Examples:
  derive solve                          worked solution of the lecture's example (PDF, Markdown, JSON)
  derive solve my-net.yaml --out sheet/ your own network
  derive gd --function "x**2" --x0 -4 --lr 0.8
  derive surface --function "x**2 - y**2"
  derive check sheet.yaml               check a hand calculation step by step
  derive exam --family backprop-full-step -n 60 --seed 2026 --out exam/
Run 'derive COMMAND --help' for the options of a command.""")
@click.version_option(__version__, prog_name="derive")
def cli():
    """derive: step-by-step worked solutions for backpropagation and gradient descent."""


@cli.command(epilog=EPILOG_SOLVE)
@click.argument("spec", required=False, metavar="[SPEC]")
@click.option("--format", "formats", default="md,tex,pdf,json", show_default=True,
              help="Comma-separated: md, tex, pdf, json.")
@click.option("--out", "out_dir", default=None, help="Output folder [default: output/<spec name>/].")
@click.option("--precision", default=None, type=click.IntRange(0, 30),
              help="Decimal places shown [default: 9, as the lecture].")
@click.option("--notation", default=None, help="mazur, signal, layered or units [default: the spec's].")
@click.option("--lr-symbol", "lr_symbol", type=click.Choice(["eta", "gamma"]), default=None,
              help="The learning rate's letter: eta or gamma (some lectures' letter) [default: the spec's "
                   "lr_symbol, else the notation's: eta; l in the units notation].")
@click.option("--exact", is_flag=True, help="Exact arithmetic (Rationals from the spec's decimals, 40 digits).")
@click.option("--chain-rounding", "chain_rounding", default=None, metavar="N|Nsig|off",
              help="Chained rounding, as by hand: each step from the previous steps' values rounded half up "
                   "to N decimal places (or N significant figures: 4sig); off: full precision "
                   "[default: the spec's rounding, else off].")
@click.option("--templates", "templates_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="A folder of your own templates, searched before the packaged ones (sandboxed).")
@click.option("--max-weights", default=None, type=click.IntRange(1), help="Raise the size limit (default 400 weights).")
@click.option("--variant", "variant_code", default=None, help="Regenerate a question of an exam variant (its code).")
@click.option("--question", "question_number", default=1, show_default=True, type=click.IntRange(1),
              help="Which question of --variant.")
@click.option("--exam", "exam_file", default=None, metavar="EXAM.yaml",
              help="With --variant: the exam file (or family file) of its teacher-authored questions.")
@click.option("--record", default="shown", show_default=True, metavar="shown|all|N",
              help="Training runs: the update steps whose every quantity goes into the JSON's iterations: "
                   "those the sheet works out (steps 1, 2 and the last), all, or the first N as well. "
                   "The loss and parameters after every epoch are always there.")
def solve(spec, formats, out_dir, precision, notation, lr_symbol, exact, chain_rounding, templates_dir, max_weights,
          variant_code, question_number, exam_file, record):
    """Worked solution of one backpropagation step (or training run) for SPEC.

    Without SPEC, solves the lecture's 2-2-2 example.  With --variant CODE, solves question K
    of that exam variant.
    """
    from derive.cli.solve import run_solve, run_solve_variant

    if question_number != 1 and variant_code is None:
        raise click.UsageError("--question needs --variant CODE (the question of an exam variant)")
    if exam_file and variant_code is None:
        raise click.UsageError("--exam needs --variant CODE (a variant of that exam)")
    if variant_code is not None:      # an empty code is refused as a code, not read as "no variant"
        if spec:
            raise click.UsageError("give either SPEC or --variant, not both")
        run_solve_variant(variant_code, question_number, formats, out_dir, precision, chain_rounding, exam_file,
                          lr_symbol)
        return
    run_solve(spec, formats, out_dir, precision, notation, exact, templates_dir, max_weights, chain_rounding,
              record=record, lr_symbol=lr_symbol)


@cli.command(epilog="""\b
Examples:
  derive question                       # the lecture's network -> output/lecture-question/
  derive question my-net.yaml --format md,pdf --out handout/
  derive question my-net.yaml --asked "net[*]" --asked "out[*]" --asked E   # a forward pass
""")
@click.argument("spec", required=False, metavar="[SPEC]")
@click.option("--format", "formats", default="md,tex,pdf", show_default=True, help="Comma-separated: md, tex, pdf.")
@click.option("--out", "out_dir", default=None, help="Output folder [default: output/<spec name>-question/].")
@click.option("--precision", default=None, type=click.IntRange(0, 30),
              help="Decimal places of the given numbers [default: 9; they are shown as written].")
@click.option("--asked", "asked", multiple=True, metavar="KEY",
              help="What to compute (repeat): a key (E, w_new[2,1,1]), a kind (w_new[*]) or a kind in a layer "
                   "(dE/dw[L,*]) [default: the total error and every parameter after the step].")
def question(spec, formats, out_dir, precision, asked):
    """The question sheet of SPEC alone: the network, the given values, what to compute and the
    answer spaces, without the solution's numbers (derive solve writes the key).

    Without SPEC, the lecture's 2-2-2 example.
    """
    from derive.cli.solve import run_question

    run_question(spec, formats, out_dir, precision, list(asked) or None)


# Commands of other modules register here.
from derive.cli.exam import exam_command, families_command, stress_command  # noqa: E402

for _command in (families_command, exam_command, stress_command):
    cli.add_command(_command)
from derive.cli.check import register as _register_check  # noqa: E402

_register_check(cli)
from derive.cli.optimize import gd, gradients, modes, surface  # noqa: E402

for _command in (gd, surface, gradients, modes):
    cli.add_command(_command)


def _terminated(signum, frame):
    """SIGTERM as an exception, so that a run's ``finally`` blocks remove its staging folder."""
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _terminate_cleanly():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    try:
        with _terminate_cleanly():
            status = cli.main(args=argv, prog_name="derive", standalone_mode=False)
        return status if isinstance(status, int) else 0
    except SystemExit as exc:        # SIGTERM (143), after the staging folder went
        return exc.code if isinstance(exc.code, int) else 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        message = cut(exc.format_message(), LINE_WIDTH - 40)
        click.echo(f"derive: error: {message} (see 'derive {exc.ctx.info_name if exc.ctx else ''} --help')"
                   .replace("derive derive", "derive").replace("derive  --help", "derive --help"), err=True)
        return 2
    except click.Abort:
        click.echo("derive: aborted", err=True)
        return 1
    except DeriveError as exc:
        click.echo(f"derive: error: {exc}", err=True)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in derive: one line for the user, the traceback on request
        if os.environ.get("DERIVE_DEBUG"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        click.echo(f"derive: internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:"
                   f"{where.lineno}; please report it; DERIVE_DEBUG=1 shows the traceback)", err=True)
        return 70


def run() -> None:
    sys.exit(main())


__all__ = ["cli", "main", "InputError"]
