"""Embeds: a state's and a commitment's traffic light as a widget other sites may frame (the
only pages they may), with the snippet to copy shown on the state's and commitment's page."""

import html as html_lib
import re

import pytest

pytestmark = pytest.mark.django_db

WIDGETS = ["/estados/nuevo-leon/widget/", "/compromisos/MXNLE0001/widget/"]


def frame_ancestors(response):
    policy = response["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]*)", policy).group(1)


@pytest.mark.parametrize("url", [*WIDGETS, "/en" + WIDGETS[0]])
def test_a_widget_may_be_framed_by_any_site_also_from_the_cache(client, demo, url):
    for _attempt in ("drawn", "from the cache"):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        assert frame_ancestors(response) == "*"
        # The rest of the policy stands: no script from anywhere else.
        assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/estados/nuevo-leon/", "/compromisos/MXNLE0001/", "/"])
def test_every_other_page_still_refuses_to_be_framed(client, demo, url):
    for _attempt in ("drawn", "from the cache"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert frame_ancestors(response) == "'none'"


def test_the_widget_shows_the_light_counts_date_and_a_link_back_without_script(client, demo):
    html = client.get("/estados/nuevo-leon/widget/").content.decode()
    assert "<script" not in html
    assert 'lang="es-mx"' in html
    assert "Nuevo León" in html and "Rojo: vencido o sin actividad" in html
    assert "hitos en rojo" in html and "datos al " in html
    assert "Ejemplo ilustrativo" in html  # the demo's data
    links = re.findall(r"<a ([^>]*)>", html)
    assert links and all(
        'target="_blank"' in a and 'rel="noopener"' in a and 'href="http://testserver/' in a
        for a in links
    )
    assert 'href="http://testserver/estados/nuevo-leon/"' in html


def test_the_english_widget_links_to_the_english_page(client, demo):
    html = client.get("/en/compromisos/MXNLE0001/widget/").content.decode()
    assert 'lang="en"' in html and "data as of " in html and "milestones red" in html
    assert 'href="http://testserver/en/compromisos/MXNLE0001/"' in html


def test_an_unknown_widget_is_a_404(client, demo):
    assert client.get("/estados/atlantida/widget/").status_code == 404
    assert client.get("/compromisos/MXXXX0000/widget/").status_code == 404


def snippet(html):
    found = re.search(
        r'<label for="embed-code">([^<]*)</label>\s*'
        r'<textarea id="embed-code" readonly[^>]*>([^<]*)</textarea>',
        html,
    )
    assert found, "no snippet to copy"
    return found.group(1), html_lib.unescape(found.group(2))


@pytest.mark.parametrize(
    "page, label",
    [
        ("/estados/nuevo-leon/", "Código para insertar"),
        ("/compromisos/MXNLE0001/", "Código para insertar"),
        ("/en/estados/nuevo-leon/", "Code to embed"),
    ],
)
def test_the_page_shows_the_snippet_to_copy(client, demo, page, label):
    widget = f"http://testserver{page}widget/"
    text, code = snippet(client.get(page).content.decode())
    assert text.startswith(label)
    assert code.startswith(f'<iframe src="{widget}" title="')
    assert code.endswith("></iframe>")
