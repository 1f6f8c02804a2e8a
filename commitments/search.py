"""Full-text search of commitments that ignores accents and case.

On PostgreSQL: Spanish text search through the `spanish_unaccent` configuration (created by
migration 0003), so "participacion" finds "participación" and stems match ("datos" finds
"dato"). Elsewhere (SQLite, the embedded default): every word must appear in the folded text
of the commitment, folded the same way in Python and in an SQL function registered on each
connection.
"""

import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Func, TextField

CONFIG = "spanish_unaccent"
FIELDS = ("ogp_id", "title", "short_title", "description", "problem", "objective", "theme")


def fold(text):
    """Lower case without accents: "Nuevo León" -> "nuevo leon"."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Fold(Func):
    """ogp_fold(a, b, ...): the texts joined by spaces, folded (SQLite only)."""

    function = "ogp_fold"
    output_field = TextField()


def _fold_many(*texts):
    return fold(" ".join(t for t in texts if t))


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("ogp_fold", -1, _fold_many, deterministic=True)


def search(queryset, text):
    """Commitments matching every word of `text`, best matches first on PostgreSQL."""
    text = " ".join(text.split())
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector(*FIELDS, "lead_institution__name", config=CONFIG)
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        # Match with @@ (ts_rank is never exactly zero, so it cannot filter), rank to sort.
        return (
            queryset.annotate(search_vector=vector, search_rank=SearchRank(vector, query))
            .filter(search_vector=query)
            .order_by("-search_rank", "pk")
        )
    queryset = queryset.annotate(search_text=Fold(*FIELDS, "lead_institution__name"))
    for word in fold(text).split():
        queryset = queryset.filter(search_text__contains=word)
    return queryset
