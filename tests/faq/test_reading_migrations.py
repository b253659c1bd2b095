"""The reading columns are filled for the rows that exist when the migrations run."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

FAQ_BEFORE, FAQ_AFTER = ("faq", "0005_bigram_indexes"), ("faq", "0006_reading_columns")
DOCS_BEFORE, DOCS_AFTER = (
    ("documents", "0002_audience_classes"),
    ("documents", "0003_search_reading"),
)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_their_readings():
    apps = _migrate([FAQ_BEFORE, DOCS_BEFORE])
    try:
        FAQ = apps.get_model("faq", "FAQ")
        FAQ.objects.create(number="FAQ-0001", question="国民年金の質問", answer="<p>生活保護</p>")
        Field = apps.get_model("documents", "ProcedureField")
        Procedure = apps.get_model("documents", "Procedure")
        field = Field.objects.create(name="国民年金")
        Procedure.objects.create(number="31", field=field, name="年金の裁定", body="機構")
        apps = _migrate([FAQ_AFTER, DOCS_AFTER])
        faq = apps.get_model("faq", "FAQ").objects.get()
        assert (faq.question_reading, faq.answer_reading) == (
            "こくみんねんきんのしつもん",
            "せいかつほご",
        )
        assert apps.get_model("documents", "Procedure").objects.get().search_reading == (
            "ねんきんのさいてい"
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_the_readings_of_their_words():
    apps = _migrate([("faq", "0007_import_job")])
    try:
        FAQ = apps.get_model("faq", "FAQ")
        FAQ.objects.create(number="FAQ-0001", question="税金の質問", answer="<p>生活保護</p>")
        apps = _migrate([("faq", "0008_search_reading_words")])
        faq = apps.get_model("faq", "FAQ").objects.get()
        assert (faq.question_words, faq.answer_words) == ("ぜいきん の しつもん", "せいかつ ほご")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'faq_faq'")
                names = {row[0] for row in cursor.fetchall()}
            assert {"faq_question_words", "faq_answer_words"} <= names
            assert "faq_question_reading_bigrams" not in names
            with connection.cursor() as cursor:  # a search through it stays in one process
                cursor.execute("SELECT proparallel FROM pg_proc WHERE proname = 'faq_words'")
                assert cursor.fetchone() == ("u",)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
