"""The hidden checks: one pytest module per exercise, named like the exercise (`ex3_attention.py`).

Each `test_*` function is one check; its docstring's first line is the title the learner sees.
Checks take the `learner` fixture (the learner's definitions) and, where the reference solution
is the oracle, the `reference` fixture. They fail through `support.fail` with a message written
for the learner, never with a bare assert.
"""
