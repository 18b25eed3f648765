"""Voxio's verwerkersovereenkomst as data, and how it is put on paper.

``template``: the agreement's versioned text; ``choices``: a customer's answers; ``document``:
the two tailored for one customer; ``html`` and ``pdf``: its renderings; ``frozen``: everything
a prepared PDF shows, as plain data; ``wording``: how the PDF says it in Dutch; ``spec``: the
pages after the text, ready to typeset; ``signatures``: the customer's signature and Voxio's
seal. Flask-free.
"""

from .choices import Choices, Contact, Signatory
from .document import (
    AUTHORITY_TEXT,
    CUSTOMER,
    DISPOSITION_TEXT,
    PROVIDER,
    Document,
    Party,
    dutch_date,
    tailor,
)
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
    "AUTHORITY_TEXT",
    "BUNDLED",
    "CRIMINAL",
    "CUSTOMER",
    "DISPOSITIONS",
    "DISPOSITION_TEXT",
    "GROUP_KEYS",
    "NATIONAL_ID",
    "OTHER",
    "PROVIDER",
    "SPECIAL",
    "CatalogItem",
    "Choices",
    "Contact",
    "Document",
    "Group",
    "Party",
    "Signatory",
    "Template",
    "bundled_templates",
    "dutch_date",
    "load_toml",
    "tailor",
]
