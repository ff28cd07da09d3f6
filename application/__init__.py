"""Use cases: one class per behaviour, depending only on the ports of ``domain``."""
