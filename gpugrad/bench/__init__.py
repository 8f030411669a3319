"""Benchmarks (scripts, not tests): each runs peers side by side in one run and reports ratios."""
