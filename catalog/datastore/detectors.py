"""Personal-data detectors: pure functions over one text cell.

See docs/architecture.md, "Data classification".

Each detector looks for a value *inside* the cell (a phone number in a remark counts), and the
ones with a check digit verify it, so that an ordinary 18-digit code or a 16-digit serial
number is not taken for a resident ID or a bank card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A cheap first look: nearly every cell has neither 11 digits in a row nor an "@".
CANDIDATE = re.compile(r"\d{11}|@")

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<!\d)(\d{16,19})(?!\d)")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits, a plausible birth date, and the ISO 7064 MOD 11-2 check."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # resident_id, mobile, email, bank_card
    label: str  # for people


LABELS = {
    "resident_id": "居民身份证号 / resident ID number",
    "mobile": "手机号码 / mobile number",
    "email": "电子邮箱 / e-mail address",
    "bank_card": "银行卡号 / bank card number",
}


def detect(cell: str) -> str | None:
    """The kind of personal data found in ``cell``, or None."""
    if CANDIDATE.search(cell) is None:
        return None
    for match in _RESIDENT_ID.finditer(cell):
        if resident_id_valid(match.group(1)):
            return "resident_id"
    if "@" in cell and _EMAIL.search(cell):
        return "email"
    if _MOBILE.search(cell):
        return "mobile"
    for match in _CARD.finditer(cell):
        digits = match.group(1)
        # Bank cards (UnionPay 62…, Visa 4…, Mastercard 5…) carry a Luhn check digit.
        if digits[0] in "3456" and luhn_valid(digits):
            return "bank_card"
    return None
