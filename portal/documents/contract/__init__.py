"""Voxio's verwerkersovereenkomst as data, and how it is put on paper.

``template``: the agreement's versioned text; ``choices``: a customer's answers; ``document``:
the two tailored for one customer; ``html`` and ``pdf``: its renderings; ``frozen`` and
``wording``: everything a prepared PDF shows beyond the text, and how the PDF says it in
Dutch; ``signatures``: the customer's signature and Voxio's seal. Flask-free.
"""

from .choices import Choices, Contact, Signatory
from .document import AUTHORITY_TEXT, DISPOSITION_TEXT, Document, Party, dutch_date, tailor
from .template import (
    BUNDLED,
    CRIMINAL,
    DISPOSITIONS,
    GROUP_KEYS,
    NATIONAL_ID,
    OTHER,
    SPECIAL,
    CatalogItem,
    Group,
    Template,
    bundled_templates,
    load_toml,
)

__all__ = [
    "AUTHORITY_TEXT", "BUNDLED", "CRIMINAL", "DISPOSITIONS", "DISPOSITION_TEXT", "GROUP_KEYS",
    "NATIONAL_ID", "OTHER", "SPECIAL", "CatalogItem", "Choices", "Contact", "Document", "Group",
    "Party", "Signatory", "Template", "bundled_templates", "dutch_date", "load_toml", "tailor",
]
