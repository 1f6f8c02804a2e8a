"""A citizen confirms a follow in a real browser; the page has no serious accessibility issue."""

import pytest

from alerts import tokens
from alerts.models import Follow
from states.models import State

pytestmark = pytest.mark.django_db(transaction=True)


def test_confirming_a_follow_in_chromium(page, demo, axe):
    follow = Follow.objects.create(
        email="vecina@example.org", state=State.objects.get(slug="nuevo-leon")
    )
    page.goto(f"{page.base_url}/seguir/confirmar/{tokens.confirm_token(follow)}/")
    assert page.locator("h1").inner_text() == "Confirma tu seguimiento"
    assert axe(page) == []
    page.get_by_role("button", name="Confirmar").click()
    assert page.locator("h1").inner_text() == "Ya estás siguiendo"
    assert axe(page) == []
    follow.refresh_from_db()
    assert follow.is_active
    page.goto(f"{page.base_url}/avisos/baja/{tokens.unsubscribe_token(follow=follow)}/")
    assert page.locator("h1").inner_text() == "Dejar de recibir correos"
    assert axe(page) == []
    follow.refresh_from_db()
    assert follow.is_active  # opening the link stops nothing
    page.get_by_role("button", name="Dejar de recibir los correos").click()
    assert page.locator("h1").inner_text() == "Baja confirmada"
    assert "Nuevo León" in page.locator("main").inner_text()
    assert axe(page) == []
