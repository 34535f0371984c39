"""Form helpers shared by the packages' ``forms.py`` and views."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields import FieldList, FormField
from wtforms.form import BaseForm

from portal.errors import InvalidInput


def apply_errors(form: FlaskForm, error: InvalidInput, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field messages beside the form's fields; the rest go to ``form.form_errors``.

    Dotted names (``quotas.administrative.approved``) walk into ``FormField``/``FieldList`` subfields.
    ``aliases`` renames a service field, or a dotted prefix of one, to the form's name
    (``{"occurred_on": "change_occurred_on", "other_names": "plaques"}``).
    """
    for name, message in error.fields.items():
        field = find_field(form, _aliased(name, aliases or {}))
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def _aliased(name: str, aliases: dict[str, str]) -> str:
    if name in aliases:
        return aliases[name]
    for prefix in sorted(aliases, key=len, reverse=True):
        if name.startswith(prefix + "."):
            return aliases[prefix] + name[len(prefix):]
    return name


def find_field(form, dotted: str):
    """The (sub)field at ``dotted``, or None. Parts past a plain field (``other_names.2`` on a textarea)
    describe part of its value, so the message goes beside that field."""
    current = form
    for part in dotted.split("."):
        if isinstance(current, FieldList):
            try:
                current = current.entries[int(part)]
            except (ValueError, IndexError):
                return None
        elif isinstance(current, (BaseForm, FormField)):
            try:
                current = current[part]
            except KeyError:
                return None
        else:
            break
    return None if current is form or isinstance(current, (FormField, FieldList)) else current
