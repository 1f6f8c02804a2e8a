"""The client's address, by one rule for everything that counts per address.

django-axes (login lockouts) and DRF's throttles (API rate limits) must agree on who the client
is. Both follow NUM_PROXIES: 0 means the socket's address alone, so a client cannot pick its
address by sending X-Forwarded-For; behind N trusted proxies, the address the outermost of them
saw is the N-th entry from the right of X-Forwarded-For (DRF's own rule).
"""

from django.conf import settings


def client_ip(request):
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    remote_addr = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(num_proxies, len(addresses))]
    return remote_addr
