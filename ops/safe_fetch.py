"""Fetching a web address that someone outside typed, without letting it reach inside.

A link added as evidence is fetched by a worker that sits on the site's own network, next to
its database, Redis and, in a cloud, the metadata service that hands out credentials. An
address such as ``http://169.254.169.254/`` or ``http://localhost:6379/`` must therefore never
be fetched, whether typed directly, hidden behind a host name, or reached by a redirect.

The rules, all applied on every hop:

- only ``http`` and ``https``; no user name or password in the address;
- the host name is resolved once, and refused unless every address it resolves to is a
  public (global) one: not private, loopback, link-local, multicast, reserved, unspecified,
  shared (CGNAT, 100.64.0.0/10), nor one of those inside an IPv6 address (IPv4-mapped,
  NAT64, 6to4, Teredo);
- the connection goes to the address that was checked, never to a second lookup of the name
  (which could answer differently: DNS rebinding), while the Host header, TLS SNI and the
  certificate check use the host name;
- redirects are followed here, at most ``max_redirects``, each new address checked again;
- no cookies, no credentials, no proxy from the environment (http.client uses none), and
  ``Accept-Encoding: identity`` so that nothing is decompressed;
- the body is counted while it is read and refused past ``max_bytes``; the connection and each
  read have timeouts, and a timer closes the socket at the overall deadline, so a server that
  drips one byte at a time cannot hold the worker.

Nothing here knows the domain: the caller passes the limits (from its settings) and gets the
body as a temporary file with its SHA-256 and size, or a FetchError saying why not.
"""

import contextlib
import hashlib
import http.client
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
# Bodies up to this size stay in memory; larger ones go to a temporary file.
SPOOL_BYTES = 1024 * 1024
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class FetchError(Exception):
    """The address was not fetched. `kind` says why, in a word the caller records:

    bad_url, refused_address, dns, connection, tls, timeout, too_large, too_many_redirects,
    http_status (with `status`), protocol.
    """

    def __init__(self, kind, detail, *, url="", status=None):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.url = url
        self.status = status


@dataclass
class Fetched:
    """A body fetched whole: read it from `body` (a binary file at position 0), then close."""

    url: str
    final_url: str
    status: int
    content_type: str
    sha256: str
    size: int
    body: object
    redirects: list = field(default_factory=list)

    def close(self):
        self.body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _embedded_ipv4(address):
    """The IPv4 addresses an IPv6 address carries inside it (mapped, NAT64, 6to4, Teredo)."""
    if address.version != 6:
        return []
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _is_public_one(address):
    return (
        address.is_global
        and not address.is_private
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not (address.version == 4 and address in SHARED_ADDRESS_SPACE)
        and not (address.version == 6 and address.is_site_local)
    )


def is_public_address(text):
    """Whether an IP address (text, as getaddrinfo gives it) may be fetched from."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return _is_public_one(address) and all(_is_public_one(a) for a in _embedded_ipv4(address))


def _is_loopback(text):
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in LOOPBACK)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # as sent in the Host header and SNI: IDNA-encoded, without brackets
    port: int
    path: str  # the request target: path and query, percent-encoded


def _parse(url):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError("bad_url", f"not a valid address ({error})", url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_url", "only http and https addresses are fetched", url=url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise FetchError("bad_url", "an address with credentials is not fetched", url=url)
    host = parts.hostname or ""
    if not host:
        raise FetchError("bad_url", "the address has no host", url=url)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError("bad_url", "the host name is not valid", url=url) from None
    if any(c in url for c in "\r\n\t\x00 "):
        raise FetchError("bad_url", "the address holds spaces or control characters", url=url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _checked_address(target, url, *, allow_loopback):
    """The one address to connect to, after every address of the host passed the rules."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError("dns", f"the host name does not resolve ({error})", url=url) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError("dns", "the host name resolves to no address", url=url)
    for address in addresses:
        if not (is_public_address(address) or (allow_loopback and _is_loopback(address))):
            raise FetchError(
                "refused_address",
                f"{target.host} resolves to {address}, which is not a public address",
                url=url,
            )
    return infos[0][0], addresses[0]


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to one address already checked; the Host header still names the host."""

    def __init__(self, host, port, *, family, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._family, self._address = family, address
        self.aborted = False
        # The socket, kept: http.client forgets it once an answer says it closes the
        # connection, while the answer is still read from it.
        self.pinned_sock = None

    def connect(self):
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect((self._address, self.port))
        except BaseException:
            sock.close()
            raise
        self.sock = self.pinned_sock = sock


class _PinnedTLSConnection(_PinnedConnection):
    default_port = 443

    def __init__(self, host, port, *, context, **kwargs):
        super().__init__(host, port, **kwargs)
        self._context = context

    def connect(self):
        super().connect()
        # SNI and the certificate's check are for the host name, not the address.
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)
        self.pinned_sock = self.sock


def _abort(connection):
    connection.aborted = True
    sock = connection.pinned_sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def fetch(
    url,
    *,
    max_bytes,
    connect_timeout,
    read_timeout,
    deadline,
    max_redirects=5,
    allow_loopback=False,
    user_agent="OGPTracker-archiver",
):
    """GET `url` within the rules of this module; a Fetched (2xx), or FetchError.

    `deadline` is in seconds for the whole fetch, redirects included. `allow_loopback` lets
    tests fetch from a server of their own on 127.0.0.1; nothing else should set it.
    """
    end = time.monotonic() + deadline
    current, redirects = url, []
    while True:
        target = _parse(current)
        family, address = _checked_address(target, current, allow_loopback=allow_loopback)
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise FetchError("timeout", "the overall time limit was reached", url=current)
        response, connection = _request(
            target,
            current,
            family=family,
            address=address,
            timeout=min(connect_timeout, remaining),
            user_agent=user_agent,
            end=end,
            read_timeout=read_timeout,
        )
        try:
            status = response.status
            if status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(
                        "protocol", "a redirect without a Location", url=current, status=status
                    )
                if len(redirects) >= max_redirects:
                    raise FetchError(
                        "too_many_redirects",
                        f"more than {max_redirects} redirects",
                        url=current,
                        status=status,
                    )
                redirects.append(current)
                current = urljoin(current, location.strip())
                continue
            if not 200 <= status < 300:
                raise FetchError(
                    "http_status", f"the server answered {status}", url=current, status=status
                )
            return _read_body(
                response,
                connection,
                url=url,
                final_url=current,
                redirects=redirects,
                max_bytes=max_bytes,
                read_timeout=read_timeout,
                end=end,
            )
        finally:
            response.close()
            connection.close()


def _timer(connection, end):
    timer = threading.Timer(max(end - time.monotonic(), 0), _abort, args=(connection,))
    timer.daemon = True
    timer.start()
    return timer


def _request(target, url, *, family, address, timeout, user_agent, end, read_timeout):
    kwargs = {"family": family, "address": address, "timeout": timeout}
    if target.scheme == "https":
        connection = _PinnedTLSConnection(
            target.host, target.port, context=ssl.create_default_context(), **kwargs
        )
    else:
        connection = _PinnedConnection(target.host, target.port, **kwargs)
    timer = _timer(connection, end)
    try:
        connection.connect()
        connection.pinned_sock.settimeout(max(min(read_timeout, end - time.monotonic()), 0.001))
        connection.putrequest("GET", target.path, skip_accept_encoding=True)
        connection.putheader("User-Agent", user_agent)
        connection.putheader("Accept", "*/*")
        connection.putheader("Accept-Encoding", "identity")
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
    except BaseException as error:
        connection.close()
        if connection.aborted:
            raise FetchError("timeout", "the overall time limit was reached", url=url) from None
        raise _as_fetch_error(error, url, end) from None
    finally:
        timer.cancel()
    return response, connection


def _as_fetch_error(error, url, end):
    if isinstance(error, FetchError):
        return error
    if time.monotonic() >= end:
        return FetchError("timeout", "the overall time limit was reached", url=url)
    if isinstance(error, TimeoutError | socket.timeout):
        return FetchError("timeout", "the server did not answer in time", url=url)
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return FetchError("tls", f"TLS failed ({error})", url=url)
    if isinstance(error, http.client.HTTPException):
        return FetchError("protocol", f"not a valid HTTP answer ({type(error).__name__})", url=url)
    if isinstance(error, OSError):
        return FetchError("connection", f"the connection failed ({error})", url=url)
    if isinstance(error, Exception):
        return FetchError("protocol", f"the fetch failed ({type(error).__name__})", url=url)
    raise error


def _read_body(response, connection, *, url, final_url, redirects, max_bytes, read_timeout, end):
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large", f"{declared} bytes announced, over {max_bytes}", url=final_url
        )
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    digest, size = hashlib.sha256(), 0
    timer = _timer(connection, end)
    try:
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise FetchError("timeout", "the overall time limit was reached", url=final_url)
            connection.pinned_sock.settimeout(max(min(read_timeout, remaining), 0.001))
            chunk = response.read1(CHUNK)
            if not chunk:
                # The timer shut the socket: what was read is not the whole body.
                if getattr(connection, "aborted", False) or time.monotonic() >= end:
                    raise FetchError("timeout", "the overall time limit was reached", url=final_url)
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("too_large", f"more than {max_bytes} bytes", url=final_url)
            digest.update(chunk)
            body.write(chunk)
    except BaseException as error:
        body.close()
        if connection.aborted:
            raise FetchError(
                "timeout", "the overall time limit was reached", url=final_url
            ) from None
        raise _as_fetch_error(error, final_url, end) from None
    finally:
        timer.cancel()
    body.seek(0)
    return Fetched(
        url=url,
        final_url=final_url,
        status=response.status,
        content_type=(response.getheader("Content-Type") or "")[:200],
        sha256=digest.hexdigest(),
        size=size,
        body=body,
        redirects=redirects,
    )
