from django.core.management.commands import makemessages


class Command(makemessages.Command):
    # A new string gets an empty translation, never a guessed ("fuzzy") one from a similar
    # string: a guess would read as a wrong translation until someone noticed.
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
