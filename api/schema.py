"""OpenAPI additions: the token scheme, and the JSON error every operation can answer with."""

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
WRITE_ERRORS = {
    "400": "Invalid input: `fields` says what is wrong with each field.",
    "401": "No valid token.",
    "403": "No role for this action in the milestone's state.",
    "404": "No such milestone.",
    "409": "Based on an older version of the milestone: nothing was saved.",
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


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = WRITE_ERRORS if method == "post" else READ_ERRORS
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses[code] = {"description": description, "content": content}
    return result
