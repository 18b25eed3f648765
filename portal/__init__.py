"""Voxio DPA portal.

Layers, each importing only the ones below it:

- ``web``: blueprints per feature and the request glue (forms, guards, error pages);
- ``services``: the use cases; they load and save models, call the document engine, write
  the audit log and commit once;
- ``models``: SQLAlchemy models, free of Flask;
- ``documents``: the document engine, free of Flask and of the portal: the generic PAdES
  parts (``pades``) and Voxio's agreement (``contract``).

Beside them: ``app.create_app`` (the factory), ``config``, ``extensions``, ``database``,
``labels``, ``tasks`` and ``cli``.
"""
