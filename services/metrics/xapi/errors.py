"""The failures of the xAPI resources, with xAPI's status codes (Communication §3.2): a malformed request is a
400 (not Uplift's usual 422)."""

from common.errors import AppError


class XapiBadRequest(AppError):
    status, slug, title = 400, "xapi-bad-request", "Bad request"
