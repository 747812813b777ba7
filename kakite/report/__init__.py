"""Reporting: the README's results, generated from metrics/details/*.json and metrics/bench.json, and the
offline page `dvc plots show` fills."""
