"""Geography: where things happened, in the units analysts count by.

* :mod:`~sentinelle.geo.names` — comparing place names across sources (accents, case, hyphens,
  known spelling variants such as "Baroueli"/"Baraouéli").
* :mod:`~sentinelle.geo.gazetteer` — Sentinelle's reference table of Mali's regions and cercles
  with their OCHA P-codes, and giving P-codes to boundary files that have none (geoBoundaries).
* :mod:`~sentinelle.geo.crosswalk` — keeping series comparable across the 2016 creation of the
  Ménaka region.
* :mod:`~sentinelle.geo.placement` — giving each event its region, cercle and PRIO-GRID cell.
* :mod:`~sentinelle.geo.fetch` — the only place in Sentinelle that uses the network: downloading
  boundaries from geoBoundaries for users who are online.

Boundary *files* are read by :mod:`sentinelle.readers.boundaries`.
"""
