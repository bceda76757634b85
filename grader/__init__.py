"""transformer-kata's grader: the package behind the `learn` command.

Importing this package must stay cheap (no torch): the `learn` process only parses arguments,
starts a child process that runs the checks, and renders what comes back. In a notebook,
`from grader import check; check(3)` and `%load_ext grader` load the rest when first used.
"""

__version__ = "0.1.0"


def check(exercise, namespace=None, record=True):
    """Check exercise `exercise` on the definitions in your notebook (or script); see
    `grader.kernel.check`."""
    from grader import kernel

    if namespace is None:
        namespace = kernel.caller_namespace(1)
    return kernel.check(exercise, namespace, record)


def load_ipython_extension(ipython):
    """`%load_ext grader` registers the `%learn check N` magic."""
    from grader import kernel

    kernel.load_ipython_extension(ipython)
