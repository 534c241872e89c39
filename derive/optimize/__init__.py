"""Gradient descent on functions, loss surfaces, vanishing gradients and SGD/batch/mini-batch.

The second half of the lecture: ``derive gd``, ``derive surface``,
``derive gradients`` and ``derive modes``.  Each module has one job:
``parser`` reads function text safely, ``descent`` iterates, ``quadratic``
gives the closed form for quadratics, ``surface`` finds and classifies
stationary points, ``vanishing`` multiplies local factors down a deep chain,
``batching`` trains a small linear model three ways, ``plots`` draws,
``render`` fills the templates and ``commands`` holds the click commands.
"""
