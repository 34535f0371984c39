"""Form helpers shared by the packages' ``forms.py`` and views."""
from __future__ import annotations

from flask_wtf import FlaskForm

from portal.errors import InvalidInput


def apply_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's field messages beside the form's fields; the rest go to ``form.form_errors``."""
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
