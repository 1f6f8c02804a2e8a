from django.utils import translation


class ApiLanguageMiddleware:
    """The API answers in the language of Accept-Language.

    Pages take their language from the URL (Spanish at /, English under /en/), and
    LocaleMiddleware applies that to every unprefixed path; API paths have no prefix, so for
    them the client's Accept-Language decides, as API clients expect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
