"""`pip install .` (not only -e) must ship the templates and the built-in exercises."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_templates_and_exercises(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("derive_backprop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"derive/templates/" + p.name for p in (ROOT / "templates").glob("*.j2")}
    expected |= {"derive/exercises/" + p.name for p in (ROOT / "exercises").glob("*.yaml")}
    expected |= {"derive/exercises/" + str(p.relative_to(ROOT / "exercises")).replace("\\", "/")
                 for pattern in ("*/info.yaml", "*/*.j2", "*/family.py") for p in (ROOT / "exercises").glob(pattern)}
    assert len([n for n in expected if n.endswith("/info.yaml")]) == 13
    expected |= {"derive/cli/__init__.py", "derive/cli/solve.py", "derive/core/graph.py"}
    # the self-checking pages' scripts, style, KaTeX and fonts, inlined into every page
    expected |= {"derive/" + str(p.relative_to(ROOT / "derive")).replace("\\", "/")
                 for p in (ROOT / "derive" / "render" / "web").rglob("*") if p.is_file()}
    assert expected <= names, sorted(expected - names)
    assert any(n.endswith("entry_points.txt") for n in names)
    entry_points = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "derive = derive.cli:run" in entry_points
    # every Python package of the source tree is in the wheel (an unlisted subpackage would be lost)
    for init in (ROOT / "derive").rglob("__init__.py"):
        assert "derive/" + str(init.relative_to(ROOT / "derive")).replace("\\", "/") in names, init
