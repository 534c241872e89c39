"""The plain-data context of every sheet (network solution, training run,
gradient descent, surface, deep chains, batch modes, network diagram) and its
JSON.  Imports only ``present`` and ``core``; produces no files.
"""
