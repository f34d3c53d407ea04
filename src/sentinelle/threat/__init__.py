"""Threat analysis (issue 4): who threatens civilians, where, and how the threat is changing.

Indicators per unit and period with the trend of violence against civilians and onsets
(:mod:`~sentinelle.threat.indicators`, :mod:`~sentinelle.threat.trend`), spatial weights
(:mod:`~sentinelle.threat.weights`) and hotspots with their space-time patterns
(:mod:`~sentinelle.threat.hotspots`); the unit × period arrays behind them come from
:mod:`~sentinelle.threat.layout`. docs/threat.md defines every statistic.
"""
