"""The ``clientbook`` command line: the core's use cases, for operators and power users."""
