from common.migrations import run_env
from common.identity.models import Base

run_env(Base.metadata)
