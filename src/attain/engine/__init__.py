"""The pure calculation core: allocation, attainment and pacing, scoring, commission, forecast.

Nothing here imports Django (``tests/test_architecture.py`` enforces it). Functions take plain values,
frozen dataclasses or columnar frames and return the same; services load inputs set-wise, call the engine
and bulk-write its results. Shared pure value objects (``attain.core.money``, ``attain.core.periods``) may
be imported.
"""
