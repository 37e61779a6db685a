"""Which xAPI version a request speaks (Communication §3.3): `X-Experience-API-Version` is required on every
request but the About resource's; `1.0` is `1.0.0`, any `1.0.x` is 1.0.3's rules, `2.0.0` is IEEE 9274.1.1-2023's.
The answer says which rules were applied: `1.0.3` or `2.0.0`."""

import re
from enum import StrEnum

HEADER = "X-Experience-API-Version"
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"
SUPPORTED = ("1.0.3", "2.0.0")  # the About resource's `version`: the latest patch of each major version
LATEST = "2.0.0"
_ONE = re.compile(r"^1\.0(?:\.\d+)?$")
_TWO = re.compile(r"^2\.0\.0$")


class Version(StrEnum):
    V1 = "1.0.3"
    V2 = "2.0.0"


def request_version(header: str | None) -> Version | None:
    """The rules a request's header asks for, or None when it names no version this LRS speaks."""
    if header is None:
        return None
    value = header.strip()
    if _ONE.match(value):
        return Version.V1
    if _TWO.match(value):
        return Version.V2
    return None


def statement_version_ok(value: str, version: Version) -> bool:
    """A statement's own `version` property (Data §2.4.10): `1.0` or `1.0.x` at 1.0.3; 2.0 adds `2.0.0`."""
    return bool(_ONE.match(value)) or (version is Version.V2 and bool(_TWO.match(value)))


def default_statement_version(version: Version) -> str:
    """The `version` a statement sent without one is stored with (1.0.3: "1.0.0")."""
    return "1.0.0" if version is Version.V1 else "2.0.0"
