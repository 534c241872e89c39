"""The mathematics, with no text: quantity keys, activations and losses, specs,
the step graph of local derivatives, its evaluation, training, and gradient
descent on functions (parser, descent, batching, surfaces, deep chains).

Nothing here imports from the layers above (present, sheets, render, exam,
check, cli); ``tests/test_layers.py`` checks it.
"""
