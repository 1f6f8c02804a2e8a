"""Spanish as a native editor would write it: one register (tú), inclusive forms as the
Mexican government uses them, and the fixes our catalogue makes to other packages' Spanish."""

import datetime as dt
import gettext

import pytest
from django.utils import translation
from django.utils.timesince import timesince

from tests.test_translations import PO, ROOT

# Words of the usted register (and "le" addressed to the reader) that tú never needs.
USTED = ("usted", "le enviamos", "ingrese", "seleccione", "haga clic", "intente de nuevo")


def test_one_register_and_inclusive_forms():
    with open(ROOT / PO.with_suffix(".mo"), "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # noqa: SLF001
    texts = [text for key, text in catalogue.items() if key]  # not the header
    for text in texts:
        lowered = text.lower()
        assert not any(word in lowered for word in USTED), text
        assert "servidor público" not in lowered, text
    assert any("persona servidora pública" in t.lower() for t in texts)


def test_durations_keep_the_space_between_their_parts():
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    with translation.override("es-mx"):
        text = timesince(start, start + dt.timedelta(days=5 * 365 + 160))
    assert text == "5\xa0años, 5\xa0meses"  # no-break space inside each part


@pytest.mark.django_db
def test_the_admin_names_the_sign_in_lockouts_in_spanish(client, django_user_model):
    admin = django_user_model.objects.create_superuser("jefa", "jefa@example.org", "x")
    client.force_login(admin)
    html = client.get("/admin/", headers={"accept-language": "es-MX"}).content.decode()
    assert "Bloqueos de inicio de sesión" in html and "Intentos de acceso" in html
    assert "Access attempts" not in html and "Administración de Django" not in html
