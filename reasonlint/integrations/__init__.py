"""Where reasonlint meets other tools: the pre-commit hooks' entry and the GitHub Action's report step."""
