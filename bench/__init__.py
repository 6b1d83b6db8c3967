"""Benchmarks: seeding at scale, timing, query counts. Not tests; each prints JSON."""
