"""The signing page's confirmation and the own-certificate upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, Length


class SignForm(FlaskForm):
    prepared = HiddenField(validators=[InputRequired()])
    name = StringField(_l("Your name"), validators=[Length(max=200)],
                       render_kw={"autocomplete": "name"})
    function = StringField(_l("Your job title"), validators=[Length(max=200)],
                           description=_l("As it appears in the agreement."))
    authority = BooleanField(_l("I am authorised to sign this agreement for my organization"))


class UploadForm(FlaskForm):
    prepared = HiddenField(validators=[InputRequired()])
    file = FileField(_l("The signed PDF"), validators=[FileRequired(_l("Choose the signed PDF."))],
                     render_kw={"accept": "application/pdf,.pdf"})
