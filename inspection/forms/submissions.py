"""Forms of the finding page: the unit's report (draft/submit with files), removing a file, the review."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField

NO_DRAFT = "0"  # the report's version field when the page was opened before any draft existed


class ReportForm(FlaskForm):
    """``action`` is ``save`` (保存草稿) or ``submit`` (提交) — the two buttons carry it."""

    measures = TextAreaField(_l("整改措施"), render_kw={"rows": 5, "maxlength": 10000})
    result = TextAreaField(_l("整改结果"), render_kw={"rows": 4, "maxlength": 10000})
    files = MultipleFileField(_l("佐证材料"))
    version = HiddenField()
    action = StringField()

    def fill(self, draft) -> None:
        self.measures.data, self.result.data = draft.measures or "", draft.result or ""
        # "0": the page was opened before any draft existed, so a draft saved meanwhile (another tab or
        # colleague) is not silently overwritten: it is a stale edit like any other
        self.version.data = str(draft.version) if draft.id is not None else NO_DRAFT

    def values(self) -> dict:
        return {"measures": self.measures.data or "", "result": self.result.data or "",
                "version": self.version.data or None}


class RemoveEvidenceForm(FlaskForm):
    pass


class ReviewForm(FlaskForm):
    """``decision`` is ``accept`` (通过验收) or ``return`` (退回) — the two buttons carry it."""

    decision = StringField()
    comment = TextAreaField(_l("审核意见"), render_kw={"rows": 3, "maxlength": 5000},
                            description=_l("退回时必填，说明需要补充或改正的内容；通过验收时可不填。"))
    version = HiddenField()
