"""Benchmarks: scripts that print figures (never timed tests), and the synthetic-data generator
they share (:mod:`benchmarks.synth`)."""
