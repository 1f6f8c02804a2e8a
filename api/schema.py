"""OpenAPI additions: the token scheme, the JSON errors every operation can answer with, and
names that a generated client can rely on.

Clients generated from the schema (openapi-python-client, openapi-generator...) name their
classes after component names and, for an enum written inline in a query parameter, after
the parameter's `title`, which django-filter takes from the model's translated verbose name:
the Spanish schema gave `V1MilestonesListSemÁForo` and the English one another class. So a
query parameter's enum is a reference to the component of the same values (`SignalEnum`),
or to one named after the parameter, and parameters carry no title: the same names whatever
the language the schema is asked in.
"""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable, e.g. invalid, not_found."},
        "message": {"type": "string", "description": "For people, in the Accept-Language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message"],
}
READ_ERRORS = {
    "400": "Invalid filter, ordering or page parameter.",
    "404": "No such object, or no such page.",
    "429": "Rate limit reached: retry after the seconds in the Retry-After header.",
}
STALE_VERSION = {
    "type": "object",
    "description": "A write based on an older version of the milestone: nothing was saved.",
    "properties": {
        "code": {"type": "string", "enum": ["stale_version"]},
        "message": {"type": "string", "description": "For people, in the Accept-Language."},
        "current_version": {
            "type": "integer",
            "description": "The milestone's version now: read what changed, then resend with it.",
        },
        "newer": {
            "type": "array",
            "description": "What changed since the version sent, oldest first.",
            "items": {
                "type": "object",
                "properties": {
                    "version": {"type": "integer"},
                    "summary": {"type": "string"},
                    "organisation": {"type": "string", "nullable": True},
                    "at": {"type": "string", "format": "date-time"},
                },
                "required": ["version", "summary", "organisation", "at"],
            },
        },
    },
    "required": ["code", "message", "current_version", "newer"],
}
WRITE_ERRORS = {
    "400": "Invalid input: `fields` says what is wrong with each field.",
    "401": "No valid token.",
    "403": "No role for this action in the milestone's state.",
    "404": "No such milestone.",
    "409": "Based on an older version of the milestone: nothing was saved. The body gives "
    "the current version and what changed since the one sent.",
    "415": "Unsupported media type: send JSON, or multipart for files.",
    "429": "Rate limit reached: retry after the seconds in the Retry-After header.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token ogpt_...`: a personal token created in the contributor panel.",
        }


def _content(component):
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["StaleVersionError"] = STALE_VERSION
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = WRITE_ERRORS if method == "post" else READ_ERRORS
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                component = "StaleVersionError" if code == "409" else "Error"
                responses[code] = {"description": description, "content": _content(component)}
    return result


def _component_name(parameter):
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", parameter)) + "Enum"


def stable_parameter_names(result, generator, request, public):
    """Query parameters' enums as references to English-named components; no titles.

    Runs after drf-spectacular's enum hook, so the components it made are there to match.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {
        frozenset(schema["enum"]): name
        for name, schema in schemas.items()
        if "enum" in schema and schema.get("type") == "string"
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                if "enum" not in schema:
                    continue
                values = frozenset(schema["enum"])
                name = by_values.get(values)
                if name is None:
                    name = _component_name(parameter["name"])
                    if name in schemas:
                        raise ValueError(f"{name} names two different enums in the schema")
                    schemas[name] = {"type": "string", "enum": sorted(values)}
                    by_values[values] = name
                parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    return result
