"""Generic PAdES (ETSI EN 319 142-1) with pyHanko: a small PKI, signatures up to B-LTA,
RFC 3161 timestamps, archive-timestamp renewal, validation (ETSI EN 319 102-1) and speed-ups.

Nothing here knows the agreement or the portal: it takes bytes, certificates and settings and
returns bytes and results. Call :func:`speedups.install` once at start-up to make it faster.
"""
