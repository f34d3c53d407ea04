"""The web application: server-rendered pages and the REST API under ``/api/v1``.

Everything it serves comes from this package or installed Python packages (plotly's
``plotly.min.js``): no CDN, no map tiles, no runtime downloads. Start it with
``sentinelle serve`` (``make run`` does, on the demo scenario).
"""
