"""Text utilities shared by checks: deterministic, dependency-light helpers over plain strings."""
