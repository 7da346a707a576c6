"""Benchmarks: large data generators and timed imports (never part of the test suite; `make bench`)."""
