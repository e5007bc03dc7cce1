"""Measured performance of the course, run on demand with ``make bench`` (not in ``make test``)."""
