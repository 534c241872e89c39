"""The package is one pipeline in layers (pyproject.toml's [tool.importlinter]):
core -> present -> sheets -> render -> exam -> exercises -> check -> cli, each
importing only from the layers below it; nothing imports the command line."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_import_linter_keeps_the_layer_contract():
    # The console script, started through this interpreter (its folder need not be on PATH).
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_no_module_imports_the_exercise_folder_statically():
    # Families are found by listing exercises/ at run time; a static import of them from derive/
    # would be invisible to the contract above (derive.exercises is mapped from another folder).
    offenders = []
    for path in (ROOT / "derive").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.startswith("derive.exercises")]
    assert offenders == []


def test_importing_the_command_line_loads_no_mathematics():
    # `derive --help` and `derive --version` answer without SymPy, NumPy or matplotlib.
    code = "import sys, derive.cli; print(sorted(m for m in ('sympy', 'numpy', 'matplotlib', 'jinja2') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_module_of_derive_imports_one_that_imports_it_back():
    # Within a layer too: a cycle means two modules that are really one, or a piece in the wrong
    # place (function-level imports count: they are cycles that only wait to be run).
    import grimp

    graph = grimp.build_graph("derive")
    cycles = sorted((a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                    if a != b and graph.chain_exists(b, a))
    assert cycles == []
