"""derive check on the lecture's 2-2-2 example, against an independent "student".

The student below works the example by hand the way the lecture does: every
intermediate rounded half up to 4 decimals and each step computed from their
own previous *rounded* numbers.  A planted mistake changes exactly one step;
every later step is done honestly from the student's (now wrong) numbers.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from derive.check import MISTAKES, check_answers
from derive.core.spec import builtin_spec, load_spec

LECTURE = dict(i1=0.05, i2=0.10, t1=0.01, t2=0.99, w1=0.15, w2=0.20, w3=0.25, w4=0.30,
               w5=0.40, w6=0.45, w7=0.50, w8=0.55, b1=0.35, b2=0.60, eta=0.5)


def r4(x: float) -> Decimal:
    """Round half up to 4 decimals, as on paper."""
    return Decimal(repr(x)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def student(mistake: str | None = None, hidden_uses: str = "old") -> tuple[dict[str, str], str | None]:
    """The sheet {name: text} a student writes, and the name of the step the mistake is planted in."""
    p = LECTURE
    sheet: dict[str, str] = {}
    planted = {None: None, "error_sign_flipped": "dE_total/dout_o1", "activation_derivative_forgotten": "delta_o1",
               "updated_weights_in_backprop": "dE_total/dout_h1", "original_weights_in_backprop": "dE_total/dout_h1",
               "half_factor_dropped": "E_o1", "half_factor_doubled": "dE_total/dout_o2",
               "gradient_added": "w7+", "learning_rate_forgotten": "w6+", "learning_rate_twice": "w5+",
               "wrong_connection_input": "dE_total/dw5", "neighbouring_weight_copied": "w6+",
               "bias_forgotten": "net_h1", "sigmoid_as_exp": "out_h2", "sigmoid_sign_flipped": "out_o1"}[mistake]

    def write(name, honest, slipped=None):
        value = r4(slipped() if name == planted else honest())
        sheet[name] = str(value)
        return float(value)

    def sigmoid(name, net):
        return write(name, lambda: 1 / (1 + math.exp(-net)),
                     (lambda: math.exp(-net)) if mistake == "sigmoid_as_exp" else lambda: 1 / (1 + math.exp(net)))

    net_h1 = write("net_h1", lambda: p["w1"] * p["i1"] + p["w2"] * p["i2"] + p["b1"],
                   lambda: p["w1"] * p["i1"] + p["w2"] * p["i2"])
    net_h2 = write("net_h2", lambda: p["w3"] * p["i1"] + p["w4"] * p["i2"] + p["b1"])
    out_h1, out_h2 = sigmoid("out_h1", net_h1), sigmoid("out_h2", net_h2)
    net_o1 = write("net_o1", lambda: p["w5"] * out_h1 + p["w6"] * out_h2 + p["b2"])
    net_o2 = write("net_o2", lambda: p["w7"] * out_h1 + p["w8"] * out_h2 + p["b2"])
    out_o1, out_o2 = sigmoid("out_o1", net_o1), sigmoid("out_o2", net_o2)
    e1 = write("E_o1", lambda: 0.5 * (p["t1"] - out_o1) ** 2, lambda: (p["t1"] - out_o1) ** 2)
    e2 = write("E_o2", lambda: 0.5 * (p["t2"] - out_o2) ** 2)
    write("E_total", lambda: e1 + e2)
    d1 = write("dE_total/dout_o1", lambda: out_o1 - p["t1"], lambda: p["t1"] - out_o1)
    s1 = write("dout_o1/dnet_o1", lambda: out_o1 * (1 - out_o1))
    delta_o1 = write("delta_o1", lambda: d1 * s1, lambda: d1)
    d2 = write("dE_total/dout_o2", lambda: out_o2 - p["t2"], lambda: 0.5 * (out_o2 - p["t2"]))
    s2 = write("dout_o2/dnet_o2", lambda: out_o2 * (1 - out_o2))
    delta_o2 = write("delta_o2", lambda: d2 * s2)
    g = {5: write("dE_total/dw5", lambda: delta_o1 * out_h1, lambda: delta_o1 * out_h2),
         6: write("dE_total/dw6", lambda: delta_o1 * out_h2),
         7: write("dE_total/dw7", lambda: delta_o2 * out_h1),
         8: write("dE_total/dw8", lambda: delta_o2 * out_h2)}
    eta = p["eta"]
    slips = {"gradient_added": lambda n: p[f"w{n}"] + eta * g[n],
             "learning_rate_forgotten": lambda n: p[f"w{n}"] - g[n],
             "learning_rate_twice": lambda n: p[f"w{n}"] - eta * eta * g[n]}
    new = {}
    for n in (5, 8, 7, 6):           # w6+ last, so a copied neighbour (w7+) is already on the page
        slip = slips.get(mistake, (lambda n: new[7]) if mistake == "neighbouring_weight_copied" else None)
        new[n] = write(f"w{n}+", lambda n=n: p[f"w{n}"] - eta * g[n], (lambda n=n: slip(n)) if slip else None)
    honest_w = {n: (new[n] if hidden_uses == "new" else p[f"w{n}"]) for n in (5, 6, 7, 8)}
    other_w = {n: (p[f"w{n}"] if hidden_uses == "new" else new[n]) for n in (5, 6, 7, 8)}
    dh1 = write("dE_total/dout_h1", lambda: delta_o1 * honest_w[5] + delta_o2 * honest_w[7],
                lambda: delta_o1 * other_w[5] + delta_o2 * other_w[7])
    dh2 = write("dE_total/dout_h2", lambda: delta_o1 * honest_w[6] + delta_o2 * honest_w[8])
    sh1 = write("dout_h1/dnet_h1", lambda: out_h1 * (1 - out_h1))
    sh2 = write("dout_h2/dnet_h2", lambda: out_h2 * (1 - out_h2))
    delta_h1 = write("delta_h1", lambda: dh1 * sh1)
    delta_h2 = write("delta_h2", lambda: dh2 * sh2)
    gh = {1: write("dE_total/dw1", lambda: delta_h1 * p["i1"]), 2: write("dE_total/dw2", lambda: delta_h1 * p["i2"]),
          3: write("dE_total/dw3", lambda: delta_h2 * p["i1"]), 4: write("dE_total/dw4", lambda: delta_h2 * p["i2"])}
    for n in (1, 2, 3, 4):
        write(f"w{n}+", lambda n=n: p[f"w{n}"] - eta * gh[n])
    return sheet, planted


def verdicts(result):
    return {e.name: e for e in result.entries}


def test_clean_sheet_rounded_to_four_places_is_all_correct_or_consistent():
    sheet, _ = student()
    result = check_answers(builtin_spec(), sheet)
    assert {e.verdict for e in result.entries} <= {"correct", "consistent"}
    assert result.exit_status == 0
    assert verdicts(result)["w5+"].verdict == "correct"          # 0.3589, as the lecture


def test_full_precision_sheet_is_all_correct():
    from derive.core.evaluate import evaluate_float, given_values
    from derive.core.graph import build_graph
    from derive.present.notations import get_notation

    spec = builtin_spec()
    graph = build_graph(spec.architecture)
    values = evaluate_float(graph, given_values(spec))
    names = get_notation(spec.notation, spec.architecture)
    sheet = {names.plain(q.key): repr(values[q.key]) for q in graph if q.definition is not None}
    result = check_answers(spec, sheet)
    assert {e.verdict for e in result.entries} == {"correct"}


HIDDEN_NEW = """\
notation: mazur
layers: [2, 2, 2]
activation: sigmoid
loss: half_sse
weights: [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
biases: [0.35, 0.60]
train_biases: false
hidden_uses: new
learning_rate: 0.5
input: [0.05, 0.10]
target: [0.01, 0.99]
"""


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_named_mistake_is_diagnosed_and_later_steps_are_consistent(mistake, tmp_path):
    hidden_uses = "new" if mistake == "original_weights_in_backprop" else "old"
    spec = builtin_spec()
    if hidden_uses == "new":
        (tmp_path / "net.yaml").write_text(HIDDEN_NEW)
        spec = load_spec(tmp_path / "net.yaml")
    sheet, planted = student(mistake, hidden_uses)
    clean, _ = student(None, hidden_uses)
    assert sheet[planted] != clean[planted], "the planted mistake must change the number"
    result = verdicts(check_answers(spec, sheet))
    assert result[planted].verdict == "wrong"
    assert result[planted].mistake == mistake, result[planted].diagnosis
    assert result[planted].diagnosis.startswith(mistake)
    others = {name: e.verdict for name, e in result.items() if name != planted}
    assert "wrong" not in others.values(), others            # nothing honest is called wrong
    carried = [name for name in sheet if name != planted and sheet[name] != clean[name]]
    assert all(result[name].verdict == "consistent" for name in carried if name in others
               and not result[name].verdict == "correct")
    if carried:                                              # an updated weight: nothing uses it afterwards
        assert any(result[name].verdict == "consistent" for name in carried)


def test_every_registered_mistake_has_a_description():
    for name, rule in MISTAKES.items():
        assert rule.name == name and len(rule.description) > 20


def test_skipped_steps_carry_the_error_forward():
    """A student who writes only out_o1 (wrongly, via e^-x) and then delta_o1 is still consistent."""
    out_o1 = math.exp(-1.1059)
    delta_o1 = (out_o1 - 0.01) * out_o1 * (1 - out_o1)
    result = verdicts(check_answers(builtin_spec(), {"out_o1": str(r4(out_o1)), "delta_o1": str(r4(delta_o1))}))
    assert result["out_o1"].mistake == "sigmoid_as_exp"
    assert result["delta_o1"].verdict == "consistent"


def test_mistake_in_a_skipped_step_is_named_at_the_next_written_one():
    """delta_o1 written with the error sign flipped but dE_total/dout_o1 never written."""
    result = verdicts(check_answers(builtin_spec(), {"out_o1": "0.7514", "delta_o1": "-0.1385"}, asks=()))
    assert result["delta_o1"].mistake == "error_sign_flipped"
    assert "in dE_total/dout_o1" in result["delta_o1"].diagnosis


def test_implausible_inputs_behind_a_consistent_answer_are_noted():
    result = verdicts(check_answers(builtin_spec(), {"out_o1": "1.2", "dout_o1/dnet_o1": "-0.24"}, asks=()))
    assert result["dout_o1/dnet_o1"].verdict == "consistent"
    assert "no sigmoid" in result["dout_o1/dnet_o1"].note
