"""The document engine: the agreement as data, its HTML and PDF renderings, signing, validation.

Flask-free by design (tests/test_layering.py checks): it takes bytes, dataclasses and
configuration and returns bytes and results, so it runs the same in the portal, the CLI, tasks
and tests.
"""
