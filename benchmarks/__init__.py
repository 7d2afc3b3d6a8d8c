"""Performance measurements of the repository (not installed with the package); their
shared code is :mod:`benchmarks.lib`, importable from the repository root."""
