"""A signed-in person's pages in the language stored on their account."""
from django.utils import translation


class AccountLanguageMiddleware:
    """After LocaleMiddleware (browser, cookie) and authentication: the account's language, once set, wins.

    So the language someone chose follows them to every device they sign in on, and their pages match
    the e-mails they receive (which use the same field).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.user.language if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
