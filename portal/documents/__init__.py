"""The document engine: ``pades`` (generic PAdES signing, timestamps, validation, PKI) and
``contract`` (Voxio's agreement as data, its HTML and PDF renderings, its two signatures).

Free of Flask and of the rest of the portal (tests/test_layering.py checks, also in a fresh
interpreter): it takes bytes, dataclasses and configuration and returns bytes and results, so
it runs the same in the portal, the CLI, tasks and tests, and could be published on its own.
"""
