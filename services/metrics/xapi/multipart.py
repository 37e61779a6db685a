"""Statements with attachments in `multipart/mixed` (Communication §1.5.2; RFC 2046 §5.1): the first part is
the statements (application/json), each other part one attachment's raw content (`Content-Transfer-Encoding:
binary`) named by its `X-Experience-API-Hash` (the attachment's `sha2`), which must be the SHA-2 of the content.
Read strictly: anything else is the request's 400. The same form answers `GET …?attachments=true`."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from services.metrics.xapi.errors import XapiBadRequest

_BOUNDARY = re.compile(r'boundary="?([^";]{1,70})"?', re.IGNORECASE)
HASH_HEADER = "x-experience-api-hash"
_DIGESTS = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # names in lower case
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream")


def _parts(body: bytes, boundary: str) -> list[Part]:
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and body[start - 2:start] != b"\r\n"):
        raise XapiBadRequest("The multipart body does not start with its boundary.")
    parts: list[Part] = []
    pos = start + len(delimiter)
    while True:
        if body[pos:pos + 2] == b"--":
            return parts
        if body[pos:pos + 2] != b"\r\n":
            raise XapiBadRequest("A multipart boundary is not followed by CRLF.")
        end = body.find(b"\r\n" + delimiter, pos + 2)
        if end < 0:
            raise XapiBadRequest("The multipart body is not closed by its boundary.")
        raw = body[pos + 2:end]
        head, sep, content = raw.partition(b"\r\n\r\n")
        if not sep:
            if raw.startswith(b"\r\n"):  # a part without headers
                head, content = b"", raw[2:]
            else:
                raise XapiBadRequest("A multipart part has no blank line after its headers.")
        headers: dict[str, str] = {}
        for line in head.split(b"\r\n") if head else []:
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise XapiBadRequest("A multipart part has a malformed header.")
            headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, content))
        pos = end + 2 + len(delimiter)


def read(body: bytes, content_type: str) -> tuple[bytes, dict[str, Part]]:
    """The statements' JSON and the attachments' parts by hash."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise XapiBadRequest("multipart/mixed needs a boundary parameter.")
    parts = _parts(body, found.group(1))
    if not parts:
        raise XapiBadRequest("The multipart body has no part.")
    first, rest = parts[0], parts[1:]
    if first.content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise XapiBadRequest("The first part of a multipart request is the statements, as application/json.")
    attachments: dict[str, Part] = {}
    for n, part in enumerate(rest, 1):
        digest = part.headers.get(HASH_HEADER, "").lower()
        if not digest:
            raise XapiBadRequest(f"Part {n + 1} has no X-Experience-API-Hash header.")
        if part.headers.get("content-transfer-encoding", "").lower() != "binary":
            raise XapiBadRequest(f"Part {n + 1} must say Content-Transfer-Encoding: binary.")
        algorithm = _DIGESTS.get(len(digest))
        if algorithm is None or algorithm(part.content).hexdigest() != digest:
            raise XapiBadRequest(f"Part {n + 1}'s content does not have the SHA-2 its X-Experience-API-Hash says.")
        attachments[digest] = part
    return first.content, attachments


def write(json_body: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed answer: the JSON, then each (sha2, content type, content); the body and its type."""
    boundary = secrets.token_hex(16)
    chunks = [b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n" + json_body]
    for sha2, content_type, content in attachments:
        chunks.append(b"--" + boundary.encode() + b"\r\n" + (
            f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n").encode("latin-1") + content)
    return b"\r\n".join(chunks) + b"\r\n--" + boundary.encode() + b"--\r\n", \
        f'multipart/mixed; boundary="{boundary}"'
