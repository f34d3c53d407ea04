"""Civilian harm caused by the mission's and partner forces' operations: the register, its
patterns, the ACLED screen."""
