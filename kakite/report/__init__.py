"""Reporting: the README's results, generated from metrics/*.json."""
