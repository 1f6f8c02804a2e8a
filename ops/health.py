"""Checks other apps add to /healthz/, without ops importing them (ops imports no domain app).

An app registers a check in its `ready()`: a function that returns a dict of details when
all is well and raises `Unhealthy` with a message when it is not. A failing registered check
makes the status "degraded", as the cache or the beat do.
"""

CHECKS = {}


class Unhealthy(Exception):
    pass


def register(name, check):
    CHECKS[name] = check
