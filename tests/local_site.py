"""A real web site on 127.0.0.1, in a thread of the test, for the fetches of link evidence.

Its pages: a web page, a PDF, a page whose content the test changes, redirects (to any
address, to itself), errors, a body over the limit (announced or not), a slow answer, one that
drips, and one that echoes the request's headers. `requests` lists the paths it was asked for,
so a test can show that a refused address was never connected to.
"""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE = (
    b"<!DOCTYPE html><html lang='es'><head><title>Informe</title></head>"
    b"<body><h1>Informe de avance</h1><p>Publicado por la dependencia.</p></body></html>"
)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
BIG = 5000


class LocalSite:
    def __init__(self):
        self.requests = []
        self.headers = []
        self.changing = [PAGE]
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", content_type="text/html; charset=utf-8", **headers):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                site.requests.append(parts.path)
                site.headers.append(dict(self.headers.items()))
                query = parse_qs(parts.query)
                # The fetcher may hang up (a limit reached): what the test wanted.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.route(parts.path, query)

            def route(self, path, query):
                if path == "/pagina":
                    self.send(200, PAGE)
                elif path == "/documento.pdf":
                    self.send(200, PDF, content_type="application/pdf")
                elif path == "/cambia":
                    self.send(200, site.changing[-1])
                elif path == "/redirige":
                    self.send(302, Location=query["a"][0])
                elif path == "/bucle":
                    self.send(301, Location="/bucle")
                elif path == "/no-existe":
                    self.send(404, b"no encontrado")
                elif path == "/falla":
                    self.send(500, b"error")
                elif path == "/grande":
                    self.send(200, b"x" * BIG, content_type="text/plain")
                elif path == "/grande-sin-longitud":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for _ in range(BIG // 100):
                        self.wfile.write(b"y" * 100)
                    self.close_connection = True
                elif path == "/lenta":
                    time.sleep(float(query.get("s", ["1.5"])[0]))
                    self.send(200, PAGE)
                elif path == "/goteo":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b".")
                        self.wfile.flush()
                        time.sleep(0.1)
                elif path == "/eco":
                    body = "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode()
                    self.send(200, body, content_type="text/plain; charset=utf-8")
                else:
                    self.send(404, b"no encontrado")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return self.base + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
