"""Checks: is a gradient right?

``gradcheck/`` compares the engine's deltas with finite differences (of a
function of Values, or of a recorded graph replayed with nudged leaves);
``learner_backprop/`` is `check_backprop`, a learner's own NumPy backprop
checked entry by entry against the engine; ``testing.py`` offers both as
assertions for a learner's test suite.
"""
