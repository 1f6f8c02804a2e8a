"""The API's documentation in Spanish (the default, or `?lang=es-mx`) and in English
(`?lang=en`), with the same codes in both."""

import json

import pytest

pytestmark = pytest.mark.django_db


def schema(client, **params):
    response = client.get("/api/schema/", {"format": "json", **params})
    assert response.status_code == 200
    return json.loads(response.content)


def texts(node, path=""):
    """Every description and summary of the schema, by where it is."""
    found = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                found[f"{path}/{key}"] = value
            else:
                found.update(texts(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.update(texts(value, f"{path}/{i}"))
    return found


def enums(node):
    if isinstance(node, dict):
        return ([node["enum"]] if "enum" in node else []) + [
            e for v in node.values() for e in enums(v)
        ]
    if isinstance(node, list):
        return [e for v in node for e in enums(v)]
    return []


def test_every_description_is_in_spanish_with_lang_and_the_codes_stay(client):
    spanish, english = schema(client, lang="es-mx"), schema(client, lang="en")
    assert spanish["info"]["description"].startswith("Datos abiertos de los compromisos")
    assert english["info"]["description"].startswith("Open data on the Open Government")
    es, en = texts(spanish), texts(english)
    assert es.keys() == en.keys()
    still_english = sorted({text for key, text in es.items() if text and text == en[key]})
    # A new or changed English text goes into api/schema_i18n.py and the catalogue.
    assert still_english == []
    # Codes are ASCII and the same in both languages.
    assert enums(spanish) == enums(english)
    assert all(str(value).isascii() for enum in enums(spanish) for value in enum)
    assert spanish["paths"].keys() == english["paths"].keys()


def test_the_docs_page_loads_the_schema_in_its_language(client):
    assert schema(client)["info"]["description"].startswith("Datos abiertos")
    page = client.get("/api/docs/", {"lang": "en"}).content.decode()
    assert "lang=en" in page  # the page loads the schema in its language
