"""The home page in a real browser, with no serious accessibility violation."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_in_chromium(page, demo, axe):
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == (
        "Compromisos de gobierno abierto de los estados de México"
    )
    assert page.get_by_role("link", name="Nuevo León").is_visible()
    assert axe(page) == []
