"""Texts of other packages that our catalogue (LOCALE_PATHS, consulted first) translates or
corrects, listed here so that makemessages collects them (as public/month_names.py does).

- django-axes ships no Spanish: its admin pages (sign-in lockouts) would stay in English.
- Django's es_MX catalogue translates timesince's separator ", " as ",", which writes
  "5 años,5 meses"; ours restores the space.
"""

from django.utils.translation import gettext_noop

AXES = [
    gettext_noop("Sign-in lockouts"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
]

# Translators: the separator between the parts of a duration ("5 years, 5 months").
TIMESINCE_SEPARATOR = gettext_noop(", ")
