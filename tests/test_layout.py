"""Nothing runs off the page: pdflatex reports no overfull line wider than 3pt.

The newcomer review found an epoch table 146pt too wide and a softmax note 138pt too wide;
these documents cover every kind of section the sheets have.
"""

from pathlib import Path

import pytest
import yaml

from derive.cli import main
from derive.exam.registry import all_families
from derive.render.texcompile import compile_pdf, overfull_boxes
from tests.support.tools import require

SPECS = {
    "training": {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
                 "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.2]]], "biases": [[0.1, -0.1], 0.2],
                 "learning_rate": 0.5, "mode": "minibatch", "batch_size": 2, "shuffle_seed": 7, "epochs": 4,
                 "momentum": 0.9, "data": [{"input": [0, 0], "target": [0]}, {"input": [0, 1], "target": [1]},
                                           {"input": [1, 0], "target": [1]}, {"input": [1, 1], "target": [0]}]},
    "softmax": {"layers": [3, 3, 3], "activation": ["relu", "softmax"], "loss": "cce",
                "weights": [[[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]],
                            [[0.5, -0.6, 0.1], [0.7, 0.8, -0.2], [-0.9, 0.1, 0.3]]],
                "biases": [[0.1, 0.2, 0.3], [0.0, 0.1, -0.1]], "learning_rate": 0.1,
                "input": [1.0, 2.0, 0.5], "target": [0, 1, 0]},
    "deep": {"layers": [2, 3, 2, 1], "activation": ["tanh", "tanh", "sigmoid"], "loss": "half_sse",
             "weights": [[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]], [[0.2, -0.3, 0.1], [0.4, 0.1, -0.2]],
                         [[0.6, -0.4]]],
             "thresholds": [[0.1, 0.1, 0.1], 0.2, 0.05], "learning_rate": 0.3, "input": [0.5, -0.4],
             "target": [0.8]},
}


def assert_fits(tex: str, folder: Path) -> None:
    log: list[str] = []
    compile_pdf(tex, {p.name: p.read_bytes() for p in folder.glob("*.pdf")}, log=log)
    assert overfull_boxes(log[0]) == []


@pytest.mark.parametrize("case", ["lecture", "signal", "layered", "units", *SPECS])
def test_worked_solutions_fit_the_page(tmp_path, case):
    require("pdflatex")
    args = ["solve", "--format", "tex", "--out", str(tmp_path / "out")]
    if case in SPECS:
        (tmp_path / "spec.yaml").write_text(yaml.safe_dump(SPECS[case]))
        args.insert(1, str(tmp_path / "spec.yaml"))
    elif case != "lecture":
        args += ["--notation", case]
    assert main(args) == 0
    assert_fits((tmp_path / "out" / "solution.tex").read_text(), tmp_path / "out")


def test_exam_sheets_of_every_family_fit_the_page(tmp_path):
    require("pdflatex")
    families = sum((["--family", f.id] for f in all_families()), [])
    assert main(["exam", *families, "-n", "2", "--seed", "5", "--format", "tex", "--out", str(tmp_path)]) == 0
    for name in ("questions.tex", "solutions.tex"):
        assert_fits((tmp_path / name).read_text(), tmp_path)
