"""The process's long-lived objects kept out of the cyclic garbage collector's way.

A server process imports its code, builds its app (for the gateway: every GraphQL type, resolver and pydantic
model) and then holds hundreds of thousands of objects that live as long as the process. CPython's collector walks
all of them in every full (generation-2) collection, and a request that allocates many short-lived containers (a
GraphQL list of 50 objects: tens of thousands) triggers one every few dozen requests: measured on the gateway, 2.5 ms
of a 9 ms list query went to full collections. `settle()` collects once and moves what is alive into the permanent
generation (`gc.freeze`): the collector then walks only what the requests allocate. Objects frozen are still freed
by reference counting as usual; only cyclic garbage among them would wait (there is none to speak of at start).
"""

import gc

_settled = False


def settle() -> None:
    """Collect, then freeze what survives; once per process (later calls do nothing: an app built again, as tests
    do, must not pay a full collection each time)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
