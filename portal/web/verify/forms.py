"""The public verify page's upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a PDF file."))],
                     render_kw={"accept": "application/pdf,.pdf"})
