"""Tenants and API keys: the one store every service reads to check an API key."""
