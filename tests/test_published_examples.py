"""Published worked examples, each under its own book's conventions, at the published precision.

Books round their intermediates (each step computed from the previous *printed*
number), so the last printed digit can differ from full precision by a unit or
two; each test says where and why rather than loosening every comparison.
"""

import pytest

from derive import parse_spec, solve


def close_at(value, published, places, units=1):
    """``value`` matches a number printed with ``places`` decimals, within ``units`` in the last place."""
    return abs(value - published) <= units * 10 ** -places + 1e-12


def test_mazur_lecture_example_shared_untrained_biases():
    """Matt Mazur, "A Step by Step Backpropagation Example" (2015),
    https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/ —
    one bias per layer, not trained; 9-digit values printed."""
    from derive import builtin_spec

    s = solve(builtin_spec())
    published = {"out[1,1]": 0.593269992, "out[2,1]": 0.75136507, "E": 0.298371109,
                 "dE/dw[2,1,1]": 0.082167041, "w_new[2,1,1]": 0.35891648, "dE/dw[1,1,1]": 0.000438568,
                 "w_new[1,1,1]": 0.149780716}
    for key, number in published.items():
        assert round(s.value(key), 9) == pytest.approx(number, abs=1e-12), key


def test_han_kamber_pei_example_9_1_biases_added_per_unit_and_trained():
    """Han, Kamber & Pei, *Data Mining: Concepts and Techniques*, 3rd ed. (2012), Example 9.1
    (Tables 9.3-9.5): a 3-2-1 sigmoid network, unit bias theta_j ADDED to the net input
    (I_j = sum_i w_ij O_i + theta_j) and trained, Err_j = O_j(1-O_j)(T_j-O_j) (= -delta for the
    half squared error), learning rate l = 0.9, x = (1, 0, 1), class label 1."""
    spec = parse_spec({
        "layers": [3, 2, 1], "activation": "sigmoid", "loss": "half_sse",
        # units 4 and 5 are the hidden units, 6 the output; w_ij from unit i to unit j
        "weights": [[[0.2, 0.4, -0.5],      # w14, w24, w34
                     [-0.3, 0.1, 0.2]],     # w15, w25, w35
                    [[-0.3, -0.2]]],        # w46, w56
        "biases": [[-0.4, 0.2], [0.1]],     # theta4, theta5; theta6
        "learning_rate": 0.9, "input": [1, 0, 1], "target": [1]})
    s = solve(spec)
    # Table 9.4: net input and output (3 decimals)
    assert round(s.value("net[1,1]"), 3) == -0.7 and round(s.value("out[1,1]"), 3) == 0.332
    assert round(s.value("net[1,2]"), 3) == 0.1 and round(s.value("out[1,2]"), 3) == 0.525
    assert round(s.value("net[2,1]"), 3) == -0.105 and round(s.value("out[2,1]"), 3) == 0.474
    # Table 9.5 prints Err_j = -delta_j (4 decimals).  The book computes Err6 from its rounded
    # O6 = 0.474: 0.474 * 0.526 * 0.526 = 0.13115 -> 0.1311, where full precision gives 0.13117
    # -> 0.1312; the chained-rounding effect, one unit in the last place.
    assert round(0.474 * (1 - 0.474) * (1 - 0.474), 4) == 0.1311
    assert close_at(-s.value("delta[2,1]"), 0.1311, 4)
    assert close_at(-s.value("delta[1,2]"), -0.0065, 4)
    assert close_at(-s.value("delta[1,1]"), -0.0087, 4)
    # Table 9.6: updated weights and biases (3 decimals).  The book multiplies its rounded Err
    # values (e.g. -0.0087 for -0.008705), which stays within one unit of the third decimal.
    published = {"w_new[2,1,1]": -0.261, "w_new[2,1,2]": -0.138, "w_new[1,1,1]": 0.192,
                 "w_new[1,2,1]": -0.306, "w_new[1,1,2]": 0.4, "w_new[1,2,2]": 0.1,
                 "w_new[1,1,3]": -0.508, "w_new[1,2,3]": 0.194, "b_new[2,1]": 0.218,
                 "b_new[1,2]": 0.194, "b_new[1,1]": -0.408}
    for key, number in published.items():
        assert close_at(s.value(key), number, 3), (key, s.value(key), number)


def test_negnevitsky_xor_thresholds_subtracted():
    """Negnevitsky, *Artificial Intelligence: A Guide to Intelligent Systems*, 2nd ed. (2005),
    section 6.4, the XOR network: thresholds theta subtracted (net = sum w x - theta, i.e. a
    weight on a fixed -1 input), trained with the same rule, learning rate 0.1, x1 = x2 = 1,
    desired output 0.  The book rounds every intermediate to 4 decimals."""
    spec = parse_spec({
        "layers": [2, 2, 1], "activation": "sigmoid", "loss": "half_sse",
        "weights": [[[0.5, 0.4],            # w13, w23
                     [0.9, 1.0]],           # w14, w24
                    [[-1.2, 1.1]]],         # w35, w45
        "thresholds": [[0.8, -0.1], [0.3]],  # theta3, theta4; theta5
        "learning_rate": 0.1, "input": [1, 1], "target": [0]})
    s = solve(spec)
    assert round(s.value("out[1,1]"), 4) == 0.5250
    assert round(s.value("out[1,2]"), 4) == 0.8808
    assert round(s.value("out[2,1]"), 4) == 0.5097
    # The book's delta_5 = y5(1-y5)e with e = y_d - y5 is our -delta (half squared error).
    assert round(-s.value("delta[2,1]"), 4) == -0.1274
    assert round(-s.value("delta[1,1]"), 4) == 0.0381
    assert round(-s.value("delta[1,2]"), 4) == -0.0147
    published = {"w_new[1,1,1]": 0.5038, "w_new[1,2,1]": 0.8985, "w_new[1,1,2]": 0.4038,
                 "w_new[1,2,2]": 0.9985, "w_new[2,1,1]": -1.2067, "w_new[2,1,2]": 1.0888,
                 "theta_new[1,1]": 0.7962, "theta_new[1,2]": -0.0985, "theta_new[2,1]": 0.3127}
    for key, number in published.items():
        # One unit of the 4th decimal: the book adds its rounded corrections (e.g. 0.0038).
        assert close_at(s.value(key), number, 4), (key, s.value(key), number)
