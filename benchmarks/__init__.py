"""Benchmarks: whole-system measurements, run by hand (not part of the test suite)."""
