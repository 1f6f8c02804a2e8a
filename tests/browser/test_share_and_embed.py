"""A newsroom's page on another origin shows a state's share card and frames its widget in
Chromium, with the site's real headers (no CSP bypass): the widget loads, a normal page of the
site refuses to be framed."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_origin():
    """A second local HTTP server (another port, another host name: another origin) that
    serves the one page set in `pages["/"]`."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    server.server_close()


@pytest.fixture
def strict_page(browser):
    # Unlike the `page` fixture, the site's Content-Security-Policy is applied: it is what
    # is tested.
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_page_of_another_origin_shows_the_card_and_frames_the_widget(
    strict_page, live_server, demo, other_origin
):
    site = live_server.url.replace("127.0.0.1", "localhost")  # another host than the newsroom
    newsroom, pages = other_origin
    pages["/"] = f"""<!doctype html><html lang="es"><head><title>Periódico</title></head><body>
      <h1>Nota sobre Nuevo León</h1>
      <img id="card" src="{site}/estados/nuevo-leon/tarjeta.png" alt="Tarjeta">
      <iframe id="widget" name="widget" src="{site}/estados/nuevo-leon/widget/"
        title="Semáforo" width="360" height="260"></iframe>
      <iframe id="page" name="page" src="{site}/estados/nuevo-leon/" title="Página"></iframe>
    </body></html>"""
    strict_page.goto(newsroom + "/", wait_until="load")
    assert strict_page.url.startswith("http://127.0.0.1:")

    card = strict_page.locator("#card")
    card.evaluate("img => img.complete || new Promise(done => img.onload = done)")
    assert card.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 630]

    widget = strict_page.frame_locator("#widget")
    assert "Nuevo León" in widget.locator(".widget-name").inner_text()
    assert "Rojo" in widget.locator(".light").inner_text()
    assert "Ejemplo ilustrativo" in widget.locator("body").inner_text()
    link = widget.locator(".widget-name a")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == f"{site}/estados/nuevo-leon/"

    # The state's own page may not be framed: Chromium shows its error page instead.
    frames = {frame.name: frame for frame in strict_page.frames}
    assert frames["widget"].url == f"{site}/estados/nuevo-leon/widget/"
    blocked = frames["page"]  # X-Frame-Options: DENY, frame-ancestors 'none'
    assert blocked.url.startswith("chrome-error://")
