"""Benchmarks: measured with medians, not timed tests."""
