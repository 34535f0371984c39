"""Form of the announcement screens (通知公告). It parses input only: the service says in Chinese what
is wrong (an empty or too long title or body, an unreadable time) and the view puts the messages
beside these fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField

from portal.timeutil import to_beijing

from disclosure.forms.publications import Required
from disclosure.models.announcements import BODY_MAX, TITLE_MAX


class AnnouncementForm(FlaskForm):
    title = StringField(_l("标题"), validators=[Required()], render_kw={"maxlength": TITLE_MAX},
                        description=_l("不超过 200 字。"))
    body_md = TextAreaField(
        _l("正文"), validators=[Required()], render_kw={"rows": 14, "maxlength": BODY_MAX},
        description=_l("支持 Markdown：空一行分段，“- ”开头为列表，**加粗**，[链接文字](https://…)。不超过 20000 字。"),
    )
    is_published = BooleanField(_l("发布（公众可见）"))
    published_at = StringField(
        _l("发布时间"), render_kw={"type": "datetime-local"},
        description=_l("北京时间；留空为立即发布。填写将来的时间则到时自动公开。"),
    )
    submit = SubmitField(_l("保存"))

    def fill(self, announcement) -> None:
        self.title.data = announcement.title
        self.body_md.data = announcement.body_md
        self.is_published.data = bool(announcement.is_published)
        self.published_at.data = (to_beijing(announcement.published_at).strftime("%Y-%m-%dT%H:%M")
                                  if announcement.published_at else "")

    def announcement_data(self) -> dict:
        return {"title": self.title.data, "body_md": self.body_md.data, "is_published": self.is_published.data,
                "published_at": self.published_at.data}


class ActionForm(FlaskForm):
    """The CSRF-protected publish / unpublish buttons."""

    submit = SubmitField(_l("确认"))
