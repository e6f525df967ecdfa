"""Tests of the pre-commit hooks and the GitHub Action, run as their hosts run them."""
