"""REST handlers of the coaching service's sessions area."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
