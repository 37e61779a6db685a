"""What may be written to logs of a URL that can carry credentials (`nats://user:password@host`, a token as
`nats://token@host`, several servers separated by commas): the scheme, hosts and ports, never the userinfo."""

from urllib.parse import urlsplit

HIDDEN = "***"


def redact_url(url: str) -> str:
    """`url` with the userinfo of each server replaced by `***` (`nats://***@host:4222`)."""
    out = []
    for server in url.split(","):
        scheme, sep, rest = server.partition("://")
        if not sep:
            scheme, rest = "", server
        userinfo, at, _ = rest.split("/", 1)[0].rpartition("@")
        if at:
            rest = f"{HIDDEN}@{rest[len(userinfo) + 1:]}"
        out.append(f"{scheme}{sep}{rest}")
    return ",".join(out)


def _secrets(url: str) -> list[str]:
    """The password of each server, or its username when it has no password (a token)."""
    found = []
    for server in url.split(","):
        try:
            parts = urlsplit(server.strip())
        except ValueError:
            continue
        secret = parts.password if parts.password is not None else parts.username
        if secret:
            found.append(secret)
    return found


def redact_text(text: str, url: str) -> str:
    """`text` (an error message that may quote `url` or its parts) without the credentials `url` holds."""
    text = text.replace(url, redact_url(url))
    for secret in sorted(_secrets(url), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
