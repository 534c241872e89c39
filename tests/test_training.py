"""Training beyond one step, checked against a plain loop over the NumPy reference."""

import json

import numpy as np
import pytest

from derive import parse_spec
from derive.core.keys import Key
from derive.core.training import batches, train
from tests.reference import Network, backprop

DATA = [{"input": [0.0, 0.0], "target": [0.1]}, {"input": [0.0, 1.0], "target": [0.9]},
        {"input": [1.0, 0.0], "target": [0.9]}, {"input": [1.0, 1.0], "target": [0.1]}]
BASE = {"layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
        "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.2]]], "biases": [[0.1, -0.1], 0.2],
        "learning_rate": 0.5, "data": DATA}


def reference_training(spec: dict) -> list[list[np.ndarray]]:
    """Weights after every update: mean gradient over each batch, optional momentum."""
    W = [np.array(m, dtype=float) for m in spec["weights"]]
    beta = [np.array(b, dtype=float) if isinstance(b, list) else float(b) for b in spec["biases"]]
    size = {"sgd": 1, "batch": len(DATA), "minibatch": spec.get("batch_size")}[spec.get("mode", "sgd")]
    momentum, eta = spec.get("momentum", 0.0), spec["learning_rate"]
    velocity = None
    history = []
    for _ in range(spec.get("epochs", 1)):
        for start in range(0, len(DATA), size):
            grads = []
            for example in DATA[start:start + size]:
                biases = [b.tolist() if isinstance(b, np.ndarray) else float(b) for b in beta]
                net = Network.from_spec({**spec, "weights": W, "biases": biases, **example})
                res = backprop(net)
                grads.append([res.dW[l] for l in (1, 2)] + [res.dbeta[l] for l in (1, 2)])
            mean = [np.mean([g[n] for g in grads], axis=0) for n in range(4)]
            params = W + beta
            if momentum:
                velocity = [momentum * v - eta * g for v, g in zip(velocity, mean)] if velocity else \
                    [-eta * g for g in mean]
                params = [p + v for p, v in zip(params, velocity)]
            else:
                params = [p - eta * g for p, g in zip(params, mean)]
            W, beta = params[:2], params[2:]
            history.append([w.copy() for w in W])
    return history


@pytest.mark.parametrize("options", [
    {"mode": "sgd", "epochs": 2},
    {"mode": "batch", "epochs": 3},
    {"mode": "minibatch", "batch_size": 2, "epochs": 2},
    {"mode": "sgd", "epochs": 2, "momentum": 0.9},
    {"mode": "minibatch", "batch_size": 2, "epochs": 3, "momentum": 0.5},
])
def test_training_matches_plain_loop(options):
    raw = {**BASE, **options}
    run = train(parse_spec(raw), record="all")
    expected = reference_training(raw)
    assert len(run.steps) == len(expected)
    for step, weights in zip(run.steps, expected):
        for l, matrix in enumerate(weights, start=1):
            for (j, i), value in np.ndenumerate(matrix):
                assert step.parameters_after[Key("w", (l, j + 1, i + 1))] == pytest.approx(value, abs=1e-13)


def test_updates_per_epoch_by_mode():
    counts = {mode: train(parse_spec({**BASE, "mode": mode, "batch_size": 2} if mode == "minibatch"
                                     else {**BASE, "mode": mode})).updates_per_epoch
              for mode in ("sgd", "batch", "minibatch")}
    assert counts == {"sgd": 4, "batch": 1, "minibatch": 2}


def test_shuffle_is_a_reproducible_permutation_per_epoch():
    spec = parse_spec({**BASE, "shuffle_seed": 3, "epochs": 2})
    first, second = batches(spec, 1), batches(spec, 2)
    assert sorted(i for b in first for i in b) == [0, 1, 2, 3]
    assert first == batches(spec, 1) and (first != second or len(DATA) < 3)


def test_loss_goes_down_over_batch_epochs():
    run = train(parse_spec({**BASE, "mode": "batch", "epochs": 30, "learning_rate": 1.0}))
    assert run.epoch_losses[-1] < run.epoch_losses[0]


def test_cli_writes_iterations_and_loss_plot(tmp_path):
    from derive.cli import main

    spec_path = tmp_path / "train.json"
    spec_path.write_text(json.dumps({**BASE, "mode": "minibatch", "batch_size": 2, "epochs": 2}))
    assert main(["solve", str(spec_path), "--format", "md,tex,json", "--out", str(tmp_path / "out")]) == 0
    document = json.loads((tmp_path / "out" / "solution.json").read_text())
    # Every quantity of the steps the sheet shows (the first two and the last), a summary per epoch.
    assert [(it["epoch"], it["step"]) for it in document["iterations"]] == [(1, 1), (1, 2), (2, 4)]
    assert [e["epoch"] for e in document["epochs"]] == [0, 1, 2] and len(document["step_losses"]) == 4
    assert (tmp_path / "out" / "loss.png").stat().st_size > 1000
    assert (tmp_path / "out" / "loss.pdf").read_bytes().startswith(b"%PDF")
    assert "## Step 4 (epoch 2, the last): examples 3 and 4" in (tmp_path / "out" / "solution.md").read_text()


@pytest.mark.parametrize("record, steps", [("all", [1, 2, 3, 4, 5, 6]), ("3", [1, 2, 3, 6]), ("shown", [1, 2, 6])])
def test_record_chooses_the_steps_kept_in_full(tmp_path, record, steps):
    from tests.support.cli import json_of

    spec_path = tmp_path / "train.json"
    spec_path.write_text(json.dumps({**BASE, "mode": "minibatch", "batch_size": 2, "epochs": 3}))
    document = json_of(["solve", str(spec_path), "--format", "json", "--record", record])
    assert [it["step"] for it in document["iterations"]] == document["recorded_steps"] == steps
    assert document["record"] == (int(record) if record.isdigit() else record)
    # The recorded steps' numbers do not depend on which steps are recorded.
    everything = train(parse_spec({**BASE, "mode": "minibatch", "batch_size": 2, "epochs": 3}), record="all")
    for it in document["iterations"]:
        after = everything.steps[it["step"] - 1].parameters_after[Key("w", (2, 1, 1))]
        assert it["quantities"]["w_new[2,1,1]"]["value"] == after


@pytest.mark.parametrize("record", ["0", "some", "-2", "1.5"])
def test_record_refuses_what_is_not_a_choice(tmp_path, record):
    from tests.support.cli import run_cli

    spec_path = tmp_path / "train.json"
    spec_path.write_text(json.dumps({**BASE, "mode": "batch", "epochs": 2}))
    status, out, err = run_cli(["solve", str(spec_path), "--format", "json", "--record", record])
    assert status == 2 and "--record" in err and "shown, all or a whole number" in err and out == ""


def test_long_run_keeps_per_epoch_summaries_and_a_few_steps():
    """3000 batch epochs: three steps in full, every epoch's loss and parameters (issue 10)."""
    from derive.present.solution import solve
    from derive.sheets.training import solution_document

    spec = parse_spec({**BASE, "mode": "batch", "epochs": 3000})
    run = train(spec)
    assert [s.step for s in run.steps] == [1, 2, 3000] and run.total_steps == 3000
    assert run.epoch_parameters.shape == (3001, 9) and len(run.epoch_losses) == 3000
    # The last epoch's parameters are the last step's, and the loss after it is theirs.
    assert run.parameters_at(3000) == run.steps[-1].parameters_after
    document = solution_document(solve(spec, given=run.givens(run.steps[0])[0]), run)
    assert len(document["iterations"]) == 3 and len(document["epochs"]) == 3001
    assert len(json.dumps(document)) < 3_000_000


def test_shuffle_order_is_default_rng_of_seed_and_epoch_cut_by_batch_size():
    spec = parse_spec({**BASE, "mode": "minibatch", "batch_size": 3, "shuffle_seed": 11, "epochs": 3})
    for epoch in (1, 2, 3):
        order = [int(i) for i in np.random.default_rng([11, epoch]).permutation(4)]
        assert batches(spec, epoch) == [tuple(order[:3]), tuple(order[3:])]


def test_momentum_velocity_is_kept_per_parameter():
    raw = {**BASE, "mode": "sgd", "epochs": 1, "momentum": 0.9}
    run = train(parse_spec(raw))
    key = Key("w", (2, 1, 1))
    v1 = -0.5 * run.steps[0].gradients[key]
    v2 = 0.9 * v1 - 0.5 * run.steps[1].gradients[key]
    assert (run.steps[0].velocity[key], run.steps[1].velocity[key]) == pytest.approx((v1, v2), rel=1e-15)
    assert run.steps[1].parameters_after[key] == pytest.approx(0.7 + v1 + v2, rel=1e-15)
    # The sheets re-evaluate a shown step from its givens: the parameters before it and its example.
    (given,) = run.givens(run.steps[1])
    assert given[key] == run.steps[0].parameters_after[key]
    assert [given[Key("input", (i + 1,))] for i in range(2)] == raw["data"][run.steps[1].examples[0]]["input"]
    (values,) = run.values(run.steps[1])
    assert values[key.gradient] == run.steps[1].gradients[key] and values[Key("E")] == run.steps[1].loss
