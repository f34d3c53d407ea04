"""The ``sentinelle`` command line: a thin shell over the services."""
