"""transformer-kata's grader: the package behind the `learn` command.

Importing this package must stay cheap (no torch): the `learn` process only parses arguments,
starts a child process that runs the checks, and renders what comes back.
"""

__version__ = "0.1.0"
