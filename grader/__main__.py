"""`python -m grader` is the same as the `learn` command."""

from grader.cli import main

main()
