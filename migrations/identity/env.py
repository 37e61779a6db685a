from common.identity.models import Base
from common.migrations import run_env

run_env(Base.metadata)
