"""Shared kernel: settings, database, errors, auth, pagination, HTTP clients. No domain code."""
