"""REST handlers of the coaching service's directory area."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
