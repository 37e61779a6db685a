"""Request-scoped wiring shared by the coaching areas: the caller and their tenant-scoped session."""

from typing import Annotated

from fastapi import Depends

from common.auth import Principal, require

Reader = Annotated[Principal, Depends(require("coaching:read"))]
Writer = Annotated[Principal, Depends(require("coaching:write"))]
