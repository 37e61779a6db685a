"""REST handlers of the coaching service's relationships area."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
