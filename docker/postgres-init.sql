-- One database per service (and one for tenants and API keys).
CREATE DATABASE uplift_identity;
CREATE DATABASE uplift_behaviors;
CREATE DATABASE uplift_coaching;
CREATE DATABASE uplift_metrics;
