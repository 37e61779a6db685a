"""Whether people's bearer tokens (JWTs) can be verified, decided before a service starts.

Production refuses to start without a key to verify them (`UPLIFT_JWT_SECRET` or `UPLIFT_JWT_PUBLIC_KEY`),
unless `UPLIFT_JWT_DISABLED=true` says they are off on purpose: then only API keys work, and the process
says so once, loudly, at startup. Elsewhere (development, test) a missing key only means tokens are refused.
"""

import logging

from common.settings import ServiceSettings

log = logging.getLogger("uplift.auth")


class StartupRefused(RuntimeError):
    """A configuration the process must not start with; the message says what to set."""


def has_key(settings: ServiceSettings) -> bool:
    return bool(settings.jwt_public_key or (settings.jwt_secret and settings.jwt_secret.get_secret_value()))


def check_people_tokens(settings: ServiceSettings, who: str) -> None:
    """Raise StartupRefused when `who` (a service, or the all-in-one process) runs in production with no key
    for people's tokens and without `UPLIFT_JWT_DISABLED=true`."""
    if settings.environment == "production" and not settings.jwt_disabled and not has_key(settings):
        raise StartupRefused(
            f"{who}: production needs a key to verify people's bearer tokens: set UPLIFT_JWT_SECRET (HS256, a long "
            "random string) or UPLIFT_JWT_PUBLIC_KEY (your identity provider's public key, PEM); or set "
            "UPLIFT_JWT_DISABLED=true to run with API keys only (people's tokens are then refused).")


def announce_people_tokens(settings: ServiceSettings, who: str) -> None:
    """At startup, once per process: a WARNING when people's tokens are turned off."""
    if settings.jwt_disabled:
        ignored = " (the configured JWT key is ignored)" if has_key(settings) else ""
        log.warning("%s: UPLIFT_JWT_DISABLED=true: people's bearer tokens are OFF%s; every request needs an API "
                    "key, and no person can sign in through a token", who, ignored)
