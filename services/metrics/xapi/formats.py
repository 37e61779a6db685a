"""The string formats of xAPI values (Data §4: IRIs, UUIDs, language tags, timestamps, durations), checked
strictly: the empty string is never a valid value of a formatted field (XAPI-00007)."""

import re
from datetime import UTC, datetime, timedelta, timezone

# RFC 3987 in the shape xAPI needs: a scheme, then no whitespace or control characters (XAPI-00011).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]+$")
_IRL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s\x00-\x1f\x7f<>\"{}|\\^`]+$")
_MAILTO = re.compile(r"^mailto:[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
# RFC 4122 in its standard string form: 8-4-4-4-12 hex digits, a version 1..8 and the RFC 4122 variant.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
# RFC 5646 (BCP 47) well-formed tags: langtag, private use, and the grandfathered tags.
_LANGTAG = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language (+ extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"  # private use
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
    r"|en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu"
    r"|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan"
    r"|zh-xiang)$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?=.)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=.)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*(?:\s*;.*)?$")


def is_iri(value: str) -> bool:
    return bool(_IRI.match(value))


def is_irl(value: str) -> bool:
    return bool(_IRL.match(value))


def is_mailto(value: str) -> bool:
    return bool(_MAILTO.match(value))


def is_sha1(value: str) -> bool:
    return bool(_SHA1.match(value))


def is_sha2(value: str) -> bool:
    return bool(_SHA2.match(value))


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def is_language_tag(value: str) -> bool:
    return bool(_LANGTAG.match(value))


def is_duration(value: str) -> bool:
    return bool(_DURATION.match(value))


def is_media_type(value: str) -> bool:
    return bool(_MEDIA_TYPE.match(value))


def parse_timestamp(value: str, *, zone_required: bool = False) -> datetime | None:
    """An ISO 8601 combined date and time (the extended format), or None when it is not one. Without a zone it is
    taken as UTC (1.0.3 says a timestamp SHOULD have one; 2.0's RFC 3339 requires it: `zone_required`). The
    negative zero offsets `-00`, `-0000`, `-00:00` are refused (Data §4.5)."""
    match = _TIMESTAMP.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None and zone_required:
        return None
    if zone is not None and zone.startswith("-") and set(zone[1:].replace(":", "")) == {"0"}:
        return None
    tz: timezone = UTC
    if zone is not None and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if zone[0] == "-" else offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz)
    except ValueError:
        return None


def render_timestamp(moment: datetime) -> str:
    """UTC with milliseconds, the form the LRS gives `stored` and Consistent-Through in."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.astimezone(UTC).microsecond // 1000:03d}Z"
