"""coderadar's ``startDate``: accepted as ISO text or epoch milliseconds, kept as epoch milliseconds,
answered as ``2022-03-24T08:21:52.742+0000``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from domain.shared.errors import Invalid

_DIGITS = re.compile(r"^-?\d{1,16}$")
# Any year from 1 to 9999 is representable; keep the range sane for a commit date.
MIN_MS = -62135596800000
MAX_MS = 253402300799999
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_start_date(value: object) -> int | None:
    """Epoch milliseconds from ``None``, an integer (epoch ms), a string of digits or ISO-8601 text
    (``2022-03-24``, ``2022-03-24T08:21:52.742+0000``, ``...Z``; no zone means UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid("startDate must be a date (ISO-8601 text or epoch milliseconds)")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise Invalid("startDate in epoch milliseconds must be a whole number")
        ms = int(value)
    elif isinstance(value, str):
        text = value.strip()
        ms = int(text) if _DIGITS.match(text) else _parse_iso(text)
    else:
        raise Invalid("startDate must be a date (ISO-8601 text or epoch milliseconds)")
    if not MIN_MS <= ms <= MAX_MS:
        raise Invalid("startDate is out of range")
    return ms


def _parse_iso(text: str) -> int:
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        raise Invalid(f"startDate {text!r} is neither ISO-8601 text nor epoch milliseconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def format_start_date(ms: int | None) -> str | None:
    """coderadar's form: ``2022-03-24T08:21:52.742+0000`` (UTC, milliseconds)."""
    if ms is None:
        return None
    seconds, millis = divmod(int(ms), 1000)
    moment = EPOCH + timedelta(seconds=seconds)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{millis:03d}+0000"
    )
