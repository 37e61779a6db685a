"""Attachments (xAPI Communication §1.5.2, Data §2.4.11): sent as multipart/mixed parts named by
X-Experience-API-Hash, given back with `attachments=true` (XAPI-00161, -00167); every route and version."""

import hashlib
import json
import uuid
from email import message_from_bytes, policy
from typing import Any

from tests.metrics.xapi.conftest import Lrs, statement

CONTENT = b"certificate of completion\r\n--not-a-boundary\r\n\x00\xff"
SHA = hashlib.sha256(CONTENT).hexdigest()
ATTACHMENT = {"usageType": "https://w3id.org/xapi/adl/attachments/certificate", "display": {"en": "Certificate"},
              "contentType": "application/octet-stream", "length": len(CONTENT), "sha2": SHA}


def multipart(json_part: bytes, *parts: tuple[dict[str, str], bytes], boundary: str = "xapi-b0undary") -> bytes:
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + json_part]
    for headers, content in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks.append(f"--{boundary}\r\n{head}\r\n".encode() + content)
    return b"\r\n".join(chunks) + f"\r\n--{boundary}--\r\n".encode()


PART = {"Content-Type": "application/octet-stream", "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": SHA}
MIXED = {"content-type": 'multipart/mixed; boundary="xapi-b0undary"'}


def _parts(body: bytes, content_type: str) -> list[Any]:
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=policy.HTTP)
    return list(message.iter_parts())


async def test_an_attachment_sent_in_multipart_is_given_back(lrs: Lrs) -> None:
    sid = str(uuid.uuid4())
    body = multipart(json.dumps(statement(id=sid, attachments=[ATTACHMENT])).encode(), (PART, CONTENT))
    r = await lrs.client.post("/statements", content=body, headers=MIXED)
    assert r.status_code == 200, r.text
    plain = await lrs.client.get("/statements", params={"statementId": sid, "attachments": "false"})
    assert plain.headers["content-type"].startswith("application/json")  # XAPI-00161
    got = await lrs.client.get("/statements", params={"statementId": sid, "attachments": "true"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("multipart/mixed")
    first, second = _parts(got.content, got.headers["content-type"])
    assert json.loads(first.get_content())["id"] == sid
    assert second["X-Experience-API-Hash"] == SHA
    assert second.get_payload(decode=True) == CONTENT
    listed = await lrs.client.get("/statements", params={"attachments": "true"})
    assert len(_parts(listed.content, listed.headers["content-type"])) == 2


async def test_attachment_parts_must_match_their_statements(lrs: Lrs) -> None:
    """Communication §1.5.2: an attachment without fileUrl needs its part; a part needs its attachment and the
    hash it claims; a JSON request cannot carry one without fileUrl."""
    with_attachment = json.dumps(statement(attachments=[ATTACHMENT])).encode()
    without = json.dumps(statement()).encode()
    cases = [
        multipart(with_attachment),  # the part is missing
        multipart(without, (PART, CONTENT)),  # a part no statement names
        multipart(with_attachment, ({**PART, "X-Experience-API-Hash": "0" * 64}, CONTENT)),  # a wrong hash
        multipart(with_attachment, ({k: v for k, v in PART.items() if k != "Content-Transfer-Encoding"}, CONTENT)),
        multipart(with_attachment, (PART, CONTENT), boundary="other"),  # not the boundary the header says
    ]
    for body in cases:
        r = await lrs.client.post("/statements", content=body, headers=MIXED)
        assert r.status_code == 400, (body[:200], r.text)
    json_only = await lrs.client.post("/statements", json=statement(attachments=[ATTACHMENT]))
    assert json_only.status_code == 400
    by_url = await lrs.client.post("/statements", json=statement(attachments=[
        {**ATTACHMENT, "fileUrl": "https://lms.example.com/files/cert.pdf"}]))
    assert by_url.status_code == 200
    assert len((await lrs.client.get("/statements")).json()["statements"]) == 1
