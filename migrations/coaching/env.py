from common.migrations import run_env
from services.coaching.models import Base

run_env(Base.metadata)
