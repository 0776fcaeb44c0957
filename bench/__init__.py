"""Benchmarks (issue #6): run on demand with `python -m bench.run`; never part of the test suite or CI."""
