"""docs/derive-tour.ipynb runs from top to bottom in a real kernel (nbclient + ipykernel), and what
it shows is right: its numbers against independent calculations written here (plain Python),
its rich outputs the sheets with their pictures.  The notebook is committed without outputs."""

import ast
import math
import os
from pathlib import Path

import pytest

from tests.support.tools import REQUIRE_TOOLS  # noqa: E402

if REQUIRE_TOOLS:      # make test (and CI): the notebook must run, never be skipped for a missing kernel
    import ipykernel  # noqa: E402,F401
    import nbclient  # noqa: E402
    import nbformat  # noqa: E402
else:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

from derive.exam.variants import parse_code  # noqa: E402
from tests.reference import reference_values  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "derive-tour.ipynb"

LECTURE = {"layers": [2, 2, 2], "activation": "sigmoid", "loss": "half_sse",
           "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
           "biases": [0.35, 0.60], "train_biases": False,
           "learning_rate": 0.5, "input": [0.05, 0.10], "target": [0.01, 0.99]}


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def lecture_losses(epochs: int) -> list[float]:
    """Gradient descent on the lecture's one example, written out: E before each update and at the end."""
    w = [[list(r) for r in m] for m in LECTURE["weights"]]
    b, x, t, eta = LECTURE["biases"], LECTURE["input"], LECTURE["target"], LECTURE["learning_rate"]
    losses = []
    for _ in range(epochs + 1):
        h = [sigmoid(sum(w[0][j][i] * x[i] for i in range(2)) + b[0]) for j in range(2)]
        o = [sigmoid(sum(w[1][k][j] * h[j] for j in range(2)) + b[1]) for k in range(2)]
        losses.append(sum(0.5 * (t[k] - o[k]) ** 2 for k in range(2)))
        delta_o = [(o[k] - t[k]) * o[k] * (1 - o[k]) for k in range(2)]
        delta_h = [sum(delta_o[k] * w[1][k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
        for k in range(2):
            for j in range(2):
                w[1][k][j] -= eta * delta_o[k] * h[j]
        for j in range(2):
            for i in range(2):
                w[0][j][i] -= eta * delta_h[j] * x[i]
    return losses


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in notebook.cells if c.cell_type == "code"), "commit the notebook without outputs"
    folder = tmp_path_factory.mktemp("tour")
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([before] if before else []))
    try:    # the kernel runs in an empty folder: the notebook writes nothing beside itself
        nbclient.NotebookClient(notebook, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    assert list(folder.iterdir()) == []
    return {cell.id: cell for cell in notebook.cells if cell.cell_type == "code"}


def stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def result(cell) -> dict:
    (data,) = [o.data for o in cell.outputs if o.output_type == "execute_result"]
    return data


def test_every_cell_runs_without_an_error(executed):
    errors = [(name, o.ename, o.evalue) for name, cell in executed.items() for o in cell.outputs
              if o.output_type == "error"]
    assert errors == []


def test_the_lecture_shows_as_its_sheet_and_w5_after_one_step_is_0_35891648(executed):
    sheet = result(executed["solve"])
    assert '<img src="data:image/svg+xml;base64,' in sheet["text/html"]
    assert "0.35891648" in sheet["text/html"] and "0.35891648" in sheet["text/markdown"]
    losses = lecture_losses(1)
    w5_new = reference_values(LECTURE)["w_new[2,1,1]"]
    o1 = sigmoid(0.40 * sigmoid(0.3775) + 0.45 * sigmoid(0.3925) + 0.60)
    assert stdout(executed["value"]) == (f"w5+ = {w5_new:.8f}\nout_o1 = {o1:.9f}, E_total = {losses[0]:.9f}\n")
    assert stdout(executed["value"]).startswith("w5+ = 0.35891648\n")
    assert result(executed["equation"])["text/latex"] == "$\\displaystyle w_{5}^{+} = 0.4 - 0.5 \\cdot 0.082167041 = 0.35891648$"


def test_a_changed_weight_solved_again(executed):
    changed = {**LECTURE, "weights": [LECTURE["weights"][0], [[0.50, 0.45], [0.50, 0.55]]]}
    new, old = reference_values(changed), reference_values(LECTURE)
    assert stdout(executed["change"]) == (f"w5+ = {new['w_new[2,1,1]']:.8f} (was {old['w_new[2,1,1]']:.8f})\n"
                                          f"E_total = {new['E']:.9f} (was {old['E']:.9f})\n")
    assert "w_{5}^{+} = 0.5 - 0.5" in result(executed["change"])["text/latex"]


def test_the_training_plot_and_its_losses(executed):
    losses = lecture_losses(50)
    assert stdout(executed["train"]) == f"loss before training: {losses[0]:.6f}, after 50 epochs: {losses[-1]:.6f}\n"
    png = result(executed["train"])["image/png"]
    assert png.startswith("iVBORw0KGgo")          # base64 of the PNG signature


def test_the_students_sheet_is_checked_step_by_step(executed):
    # The student's numbers, by hand: net_h1 = 0.15*0.05 + 0.2*0.1 + 0.35 = 0.3775; dE/dw5 = 0.0822
    # with its sign flipped; w5+ = 0.4 - 0.5*(-0.0822) = 0.4411 follows from it.
    assert 0.15 * 0.05 + 0.2 * 0.1 + 0.35 == pytest.approx(0.3775)
    assert round(0.4 - 0.5 * (-0.0822), 4) == 0.4411
    assert f"{-reference_values(LECTURE)['dE/dw[2,1,1]']:.4f}" == "-0.0822"
    assert stdout(executed["check"]) == ("net_h1: correct\nout_h1: correct\nout_o1: correct\n"
                                         "dE_total/dw5: wrong (error_sign_flipped)\nw5+: consistent\n")
    report = result(executed["check"])["text/markdown"]
    assert "| `w5+` | 0.4411 |" in report and "≈ consistent" in report and "error_sign_flipped" in report


def test_gradient_descent_and_learning_rates(executed):
    lines = stdout(executed["gd"]).splitlines()
    assert lines == ["derive gd --function 'x**2' --x0 -4 --lr 0.8",
                     f"stopped: max_iter, x after 30 steps: {-4 * (-0.6) ** 30:.6e}"]
    shown = result(executed["gd"])
    assert '<img src="data:image/png;base64,' in shown["text/html"] and "<table" in shown["text/html"]
    expected = [f"lr = {lr}: {word}, x_10 = {-4 * (1 - 2 * lr) ** 10 + 0.0:.4g}" for lr, word in
                ((0.1, "converges slowly"), (0.5, "converges fast"), (0.8, "oscillates"), (1.1, "diverges"))]
    assert stdout(executed["compare"]).splitlines() == expected


def test_an_exam_of_three_variants(executed):
    codes = ast.literal_eval(stdout(executed["exam"]))
    assert [parse_code(code) for code in codes] == [(2026, k, ("BFS", "GDS")) for k in (1, 2, 3)]
    table = result(executed["exam"])["text/markdown"]
    assert all(f"`{code}`" in table for code in codes)
