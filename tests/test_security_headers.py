"""Headers every page carries: a CSP with no inline script, and the usual protections."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/api/v1/", "/api/docs/", "/como-medimos/"])
def test_content_security_policy_allows_no_inline_script(client, demo, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_load_their_script_from_a_url(client, demo):
    html = client.get("/api/docs/").content.decode()
    assert "<script src=" in html
    assert "SwaggerUIBundle(" not in html  # the bundle's setup is not inline
