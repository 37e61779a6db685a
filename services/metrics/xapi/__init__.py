"""xAPI (1.0.3 and 2.0 / IEEE 9274.1.1-2023): the Statements and About resources of a Learning Record Store, at
/xapi/ on the metrics service and /api/metrics/xapi/ through the gateway (docs/api.md §11).

api.py (handlers) → params.py (parameters and bodies, read strictly; multipart.py for attachments) →
service.py (the rules: validation.py + formats.py + versions.py, shaping.py for what the LRS sets) →
repository.py (every query, tenant-scoped). output.py shapes answers (formats, languages); headers.py and
alternate.py are the ASGI layers (xAPI's headers on every answer; the 1.0.3 form syntax); evidence.py turns
completion statements into the training completions of ingest.py.
"""
