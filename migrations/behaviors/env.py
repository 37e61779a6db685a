from common.migrations import run_env
from services.behaviors.models import Base

run_env(Base.metadata)
