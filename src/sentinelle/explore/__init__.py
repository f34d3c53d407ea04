"""Exploring stored events: the filters every page, API call and export shares
(:mod:`~sentinelle.explore.filters`), searching and paging events
(:mod:`~sentinelle.explore.search`), and the overview's aggregates
(:mod:`~sentinelle.explore.overview`). Queries run in SQL so that they stay fast on large stores.
"""
