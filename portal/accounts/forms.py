"""Account forms. They only parse; the rules (roles, bindings, password policy) live in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.accounts.models import Role
from portal.accounts.services import PERMISSION_STATES, USER_STATUSES


def _role_choices():
    return [("", _l("请选择"))] + Role.choices()


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名。")), Length(max=50)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。"))])
    next = HiddenField()
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。"))])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的密码不一致。"))],
    )
    submit = SubmitField(_l("修改密码"))


class _UserFields(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=50)])
    email = EmailField(_l("电子邮箱"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("角色"), choices=[], validate_choice=False)
    office_id = SelectField(_l("所属编办（管理员、督查人员）"), choices=[], validate_choice=False)
    unit_code = StringField(
        _l("单位统一社会信用代码（被督查单位用户）"), validators=[Optional(), Length(max=18)],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    discipline_body_id = SelectField(_l("纪检监察机关（纪检监察用户）"), choices=[], validate_choice=False)

    def set_choices(self, offices, bodies) -> None:
        self.role.choices = _role_choices()
        self.office_id.choices = [("", _l("（默认：本编办）"))] + [(str(o.id), o.name) for o in offices]
        self.discipline_body_id.choices = [("", _l("请选择"))] + [(str(b.id), b.name) for b in bodies]

    def service_data(self) -> dict:
        """What the service expects; the binding fields of other roles are ignored there."""
        return {
            "display_name": self.display_name.data or "",
            "email": self.email.data or "",
            "role": self.role.data or "",
            "office_id": self.office_id.data or None,
            "unit_code": self.unit_code.data or "",
            "discipline_body_id": self.discipline_body_id.data or None,
        }


class UserCreateForm(_UserFields):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名。")), Length(max=50)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请输入初始密码。"))])
    confirm = PasswordField(
        _l("再次输入密码"),
        validators=[DataRequired(_l("请再次输入密码。")), EqualTo("password", _l("两次输入的密码不一致。"))],
    )
    submit = SubmitField(_l("创建用户"))

    def service_data(self) -> dict:
        return {**super().service_data(), "username": self.username.data or "", "password": self.password.data or ""}


class UserEditForm(_UserFields):
    submit = SubmitField(_l("保存"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码。"))])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(_l("请再次输入新密码。")), EqualTo("password", _l("两次输入的密码不一致。"))],
    )
    submit = SubmitField(_l("重置密码"))


class ActionForm(FlaskForm):
    """A button that posts (deactivate, unlock, revoke…): only the CSRF token travels."""


def permission_field_name(permission: str) -> str:
    return "perm_" + permission.replace(".", "__")


def permissions_form(permission_names, current_states: dict[str, str], formdata=None):
    """One select per named permission: 按角色默认 / 单独授予 / 单独收回."""

    class PermissionsForm(FlaskForm):
        submit = SubmitField(_l("保存权限"))

        def states(self) -> dict[str, str]:
            return {name: getattr(self, permission_field_name(name)).data for name in permission_names}

    choices = [SelectChoice(code, _l(label)) for code, label in PERMISSION_STATES.items()]
    for name in permission_names:
        setattr(PermissionsForm, permission_field_name(name),
                SelectField(name, choices=choices, default=current_states.get(name, "default")))
    return PermissionsForm(formdata=formdata) if formdata is not None else PermissionsForm()


class UserFilterForm(FlaskForm):
    """The user list's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("用户名或姓名"), validators=[Optional(), Length(max=50)])
    role = SelectField(_l("角色"), choices=[], validate_choice=False)
    office_id = SelectField(_l("编办"), choices=[], validate_choice=False)
    status = SelectField(_l("状态"), choices=[], validate_choice=False)

    def set_choices(self, offices) -> None:
        self.role.choices = [("", _l("全部角色"))] + Role.choices()
        self.office_id.choices = [("", _l("全部编办"))] + [(str(o.id), o.name) for o in offices]
        self.status.choices = [("", _l("全部状态"))] + [(k, _l(v)) for k, v in USER_STATUSES.items()]
