"""Sentinelle: protection of civilians in peace operations."""

__version__ = "0.1.0"
