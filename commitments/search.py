"""Full-text search of commitments that ignores accents and case.

On PostgreSQL: Spanish text search through the `spanish_unaccent` configuration (created by
migration 0003), so "participacion" finds "participación" and stems match ("datos" finds
"dato"). Elsewhere (SQLite, the embedded default): every word must appear in the folded text
of the commitment, folded the same way in Python and in an SQL function registered on each
connection, after a light Spanish plural rule (`singular`: "instituciones" looks for
"institucion", which also finds the plural).

Both search the lead institution's name and its acronym ("SEDESHU"), which is often how
people name it.
"""

import unicodedata

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, Func, Max, TextField

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


INSTITUTION_FIELDS = ("lead_institution__name", "lead_institution__acronym")


def singular(word):
    """A folded Spanish word without its plural ending, for the fallback's substring match:
    "datos" -> "dato", "instituciones" -> "institucion", "leyes" -> "ley", "luces" -> "luz".
    Short words and acronyms ("ogp", "osc") stay as they are: too little left to match on."""
    if len(word) < 4 or not word.endswith("s"):
        return word
    if word.endswith("ces"):
        return word[:-3] + "z"
    if word.endswith("es") and word[-3] in "nrldjy":
        return word[:-2]
    return word[:-1]


def _fold_many(*texts):
    return fold(" ".join(t for t in texts if t))


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("ogp_fold", -1, _fold_many, deterministic=True)


class SearchDocument(Expression):
    """A commitment's stored tsvector joined to its lead institution's (PostgreSQL only): the
    `search_document` columns that migration 0013 makes PostgreSQL generate from FIELDS and
    from the institution's name and acronym. The same words as to_tsvector() of all the texts
    at once, read instead of computed at each query."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        commitment = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        # Only the query's own alias of the commitments table goes into the text; no value.
        return (
            f"({commitment}.search_document || COALESCE((SELECT o.search_document"  # noqa: S608  # nosec B608
            f" FROM states_organisation AS o WHERE o.id = {commitment}.lead_institution_id),"
            " ''::tsvector))",
            [],
        )


def search(queryset, text):
    """Commitments matching every word of `text`, best matches first on PostgreSQL."""
    text = " ".join(text.split())
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        # Match with @@ in the WHERE clause (ts_rank is never exactly zero, so it cannot
        # filter) and rank as an aggregate: the queryset may be grouped (a commitment's
        # milestone counts), and an annotation that is not an aggregate would be grouped on
        # (a tsvector sorted on disk: seconds at 25,000 commitments). Each group's rows are
        # one commitment's, so its Max is its rank.
        return (
            queryset.filter(SearchVectorExact(SearchDocument(), query))
            .annotate(search_rank=Max(SearchRank(SearchDocument(), query)))
            .order_by("-search_rank", "pk")
        )
    queryset = queryset.annotate(search_text=Fold(*FIELDS, *INSTITUTION_FIELDS))
    for word in fold(text).split():
        queryset = queryset.filter(search_text__contains=singular(word))
    return queryset
