"""统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character."""
from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def validation_error(code: str) -> str | None:
    """None when valid, else a Chinese message saying what is wrong."""
    code = normalise(code)
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现为{len(code)}位。"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划代码（数字）。"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：末位应为 {expected}。"
    return None


def is_valid(code: str) -> bool:
    return validation_error(code) is None


def make(first17: str) -> str:
    """Complete 17 characters with their check character (demo data, tests)."""
    first17 = normalise(first17)
    return first17 + check_character(first17)
