from django.db import models


class Heartbeat(models.Model):
    """When a periodic process last proved it runs (one row per name, e.g. "beat").

    In the database rather than the cache, so /healthz/ can still tell when Redis is down."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
