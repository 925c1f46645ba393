"""Oversight: complaints, risk warnings, integrity, fault tolerance, evaluation and the
task plan (issue 16)."""
