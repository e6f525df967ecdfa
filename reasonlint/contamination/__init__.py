"""Benchmark contamination: normalised n-gram fingerprints of benchmark items, shipped as
keyed hashes (never text), and the per-row matching the `contamination` rules run."""

from __future__ import annotations

from reasonlint.contamination.index import FingerprintIndex, Match, MatcherSet, matcher_for, resolve, shipped_names

__all__ = ["FingerprintIndex", "Match", "MatcherSet", "matcher_for", "resolve", "shipped_names"]
