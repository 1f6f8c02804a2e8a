"""The design system: one set of tokens, used by every page, the panel and the admin; its
page shows exactly what the stylesheet holds; the font, logo and icons are our own files."""

import hashlib
import re
from pathlib import Path

import pytest

from public import design

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
TOKENS = (STATIC / "css/tokens.css").read_text()
FONT_PACKAGE = ROOT / "node_modules/@fontsource-variable/atkinson-hyperlegible-next"
FONT_DIR = STATIC / "fonts/atkinson-hyperlegible-next"

PUBLIC_PAGES = [
    "/",
    "/estados/guanajuato/",
    "/compromisos/MXNLE0001/",
    "/instituciones/",
    "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/",
    "/semaforo/",
    "/como-medimos/",
    "/estados/nuevo-leon/reporte/",
    "/datos/",
    "/diseno/",
    "/cuenta/entrar/",
    "/en/",
    "/no-existe/",
]


def tokens_by_name():
    return {t.name: t for group in design.parse(TOKENS) for t in group.tokens}


def test_every_page_uses_the_tokens_the_font_and_the_icons(client, demo):
    for url in PUBLIC_PAGES:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code in (200, 404), url
        for needed in (
            "/static/css/tokens.css",
            "/static/css/site.css",
            'rel="icon" href="/favicon.ico"',
            "/static/img/favicon.svg",
            "/static/img/logo.svg",
        ):
            assert needed in html, (url, needed)
        assert html.index("tokens.css") < html.index("site.css"), url


def test_the_panel_uses_them_too(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="oficial.guanajuato"))
    html = client.get("/panel/").content.decode()
    assert "/static/css/tokens.css" in html and "/static/css/site.css" in html


def test_the_admin_wears_the_sites_skin_and_name(client, demo, django_user_model):
    html = client.get("/admin/login/").content.decode()
    assert "/static/css/tokens.css" in html and "/static/css/admin.css" in html
    assert "OGP Tracker" in html and "Administración" in html
    assert "Administración de Django" not in html and "Django administration" not in html
    assert "Administración de OGP Tracker</title>" in html
    client.force_login(django_user_model.objects.get(username="admin"))
    index = client.get("/admin/").content.decode()
    assert "Administración de OGP Tracker</title>" in index
    assert 'alt="" width="32" height="32"><span>OGP Tracker' in index


def test_the_stylesheets_take_every_colour_from_the_tokens():
    for name in ("site.css", "admin.css"):
        css = (STATIC / "css" / name).read_text()
        assert not re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(", css), name
        used = set(re.findall(r"var\((--[a-z0-9-]+)\)", css))
        assert used, name
        # admin.css sets the admin's own variables, but reads only ours.
        assert used <= set(tokens_by_name()), (name, used - set(tokens_by_name()))


def test_text_colours_pass_aa_on_the_backgrounds_they_are_used_on():
    t = {name: token.colour for name, token in tokens_by_name().items() if token.colour}
    pairs = [
        ("--color-text", "--color-surface"),
        ("--color-text", "--color-brand-wash"),
        ("--color-text-muted", "--color-surface"),
        ("--color-text-muted", "--color-brand-wash"),
        ("--color-link", "--color-surface"),
        ("--color-link", "--color-brand-tint"),
        ("--color-link", "--color-brand-wash"),
        ("--color-brand", "--color-brand-tint"),
        ("--color-text-inverse", "--color-brand"),
        ("--color-text-inverse", "--color-link"),
        ("--color-text-inverse", "--color-link-hover"),
        ("--color-focus-inner", "--color-focus"),
    ]
    for light in ("red", "yellow", "green"):
        pairs.append((f"--color-{light}", f"--color-{light}-tint"))
    for kind in ("info", "success", "warning", "error"):
        pairs.append((f"--color-{kind}", f"--color-{kind}-tint"))
        pairs.append(("--color-text", f"--color-{kind}-tint"))
    for fg, bg in pairs:
        assert design.contrast(t[fg], t[bg]) >= 4.5, (fg, bg, design.contrast(t[fg], t[bg]))
    # Controls' borders and the focus ring against the page: 3:1 (WCAG 1.4.11).
    assert design.contrast(t["--color-border-input"], t["--color-surface"]) >= 3
    assert design.contrast(t["--color-focus-inner"], t["--color-surface"]) >= 3


def test_contrast_is_the_wcag_formula():
    assert design.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert design.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert design.contrast("#ffffff", "#ffffff") == 1


def test_the_design_page_shows_every_token_in_both_languages(client):
    names = set(re.findall(r"^\s*(--[a-z0-9-]+)\s*:", TOKENS, re.M))
    assert len(names) > 40
    for url in ("/diseno/", "/en/diseno/"):
        html = client.get(url).content.decode()
        shown = set(re.findall(r"<code>(--[a-z0-9-]+)</code>", html))
        assert shown == names, url
    html = client.get("/diseno/").content.decode()
    assert "<h1>Sistema de diseño</h1>" in html
    assert "#a3001b · 8.2:1 sobre blanco" in html  # the red, read from the stylesheet
    for component in (
        "light light-red",
        'class="badge',
        'class="card"',
        "table class=",
        "alert-error",
    ):
        assert component in html


def test_a_references_colour_is_resolved(client):
    groups = design.parse(":root {\n/* == A == */\n--a: #0a5299;\n--b: var(--a);\n--c: 1rem;\n}")
    (group,) = groups
    assert [(t.name, t.colour) for t in group.tokens] == [
        ("--a", "#0a5299"),
        ("--b", "#0a5299"),
        ("--c", None),
    ]
    assert group.is_colour


def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert body.count(b"\x89PNG") == 3  # 16, 32 and 48 pixels


def test_the_font_is_our_own_file_with_its_licence():
    css_files = re.findall(r'url\("\.\./(fonts/[^"]+)"\)', TOKENS)
    assert len(css_files) == 4
    for name in css_files:
        assert (STATIC / name).read_bytes()[:4] == b"wOF2", name
    licence = (FONT_DIR / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Atkinson Hyperlegible Next" in licence
    assert "//" not in "".join(re.findall(r"src:\s*url\(([^)]+)\)", TOKENS))  # no CDN


def test_the_vendored_font_matches_the_pinned_package():
    if not FONT_PACKAGE.exists():
        pytest.skip("node_modules is not installed (npm ci)")

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    for ours in FONT_DIR.glob("*.woff2"):
        assert digest(ours) == digest(FONT_PACKAGE / "files" / ours.name), ours.name
    assert digest(FONT_DIR / "OFL.txt") == digest(FONT_PACKAGE / "LICENSE")
