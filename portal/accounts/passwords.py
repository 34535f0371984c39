"""Password hashing (argon2id, memory-hard) and the password policy, enforced in the backend."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# a few of the most common passwords and keyboard walks, in the forms Chinese users pick them
COMMON = frozenset(
    {
        "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890",
        "qwertyuiop", "qwerty123", "1q2w3e4r5t", "abc123456", "abcd1234", "a123456789", "woaini1314",
        "iloveyou", "admin123", "admin@123", "administrator", "11111111", "00000000", "88888888",
        "66666666", "p@ssw0rd", "qwe123456", "zxcvbnm123", "aa123456", "1qaz2wsx", "1qaz@wsx",
    }
)


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=int(cfg["ARGON2_TIME_COST"]),
        memory_cost=int(cfg["ARGON2_MEMORY_COST"]),
        parallelism=int(cfg["ARGON2_PARALLELISM"]),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Chinese messages for each rule the password breaks (empty when it is acceptable)."""
    errors = []
    min_length = int(current_app.config["PASSWORD_MIN_LENGTH"])
    if len(password) < min_length:
        errors.append(f"密码至少 {min_length} 位。")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        errors.append("密码须包含大写字母、小写字母、数字、符号中的至少三类。")
    if username and username.lower() in password.lower():
        errors.append("密码不能包含用户名。")
    if password.lower() in COMMON:
        errors.append("密码过于常见，请换一个。")
    return errors
