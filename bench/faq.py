"""FAQ search at 10,000 entries on Postgres: our search (pg_trgm GIN on the normalised
columns, bigram GIN for two-character words) against a plain ``ILIKE`` scan of the raw
columns, same data, same page of results: rare words, a word in one entry in ten, and a
two-character word (target: at least 5× faster). Queries typed as readings (ねんきん, ﾈﾝｷﾝ,
the reading of a rare kanji word) are timed against an ``ILIKE`` scan of the text and reading
columns, which finds the same entries without the indexes. A query of two kana (ぜい, ほう)
is matched as the start of a word, so it finds a subset of what that scan finds (checked, and
both counts reported as ``*_found`` and ``*_ilike_found``).

Skipped on SQLite (there is no index to compare); run with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from django.db import connection

from bench import benchmark

ENTRIES = 10_000
RUNS = 7
PAGE = 20
# Characters the synthetic vocabulary is made of: kanji and katakana as in real FAQs.
KANJI = (
    "番号制度利用事務情報連携照会提供中間統合宛名予算措置条例改正議会評価保護年金税務福祉医療防災"
)
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        alphabet = KANJI if rng.random() < 0.5 else KATAKANA
        words.add("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 5))))
    return sorted(words)


def _build(rng: random.Random) -> list[str]:
    """10,000 FAQs from the shipped ones plus a vocabulary; returns the vocabulary."""
    from faq import richtext, services
    from faq.models import FAQ
    from faq.seed import ENTRIES as SEED

    vocabulary = _vocabulary(rng)
    batch = []
    for index in range(ENTRIES):
        entry = SEED[index % len(SEED)]
        words = rng.sample(vocabulary, 22)
        faq = FAQ(
            number=f"FAQ-{index + 10001:05d}",
            question=f"{words[0]}と{words[1]}について: {entry.question}",
            answer=f"{entry.answer}<p>{'、'.join(words[2:])}。</p>",
            work_item=entry.work_item,
            field=entry.field,
        )
        faq.answer = richtext.sanitize(faq.answer)
        services.refresh_search_columns(faq)
        batch.append(faq)
    FAQ.objects.bulk_create(batch, batch_size=1000)
    with connection.cursor() as cursor:
        # Steady state, as autovacuum leaves it: the GIN pending list merged, statistics fresh.
        cursor.execute("VACUUM ANALYZE faq_faq")
    return vocabulary


def _timed(func) -> float:
    func()  # warm
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _ours(query: str):
    from django.core.paginator import Paginator

    from faq import search
    from faq.models import FAQ

    def run() -> None:
        page = Paginator(search.matching(FAQ.objects.published(), search.parse(query).terms), PAGE)
        list(page.page(1)) if page.count else None

    return run


def _ilike(query: str):
    pattern = f"%{query}%"

    def run() -> None:
        with connection.cursor() as cursor:
            where = "WHERE is_published AND (question ILIKE %s OR answer ILIKE %s)"
            cursor.execute(f"SELECT count(*) FROM faq_faq {where}", [pattern, pattern])
            cursor.fetchone()
            cursor.execute(
                f"SELECT id, number, question FROM faq_faq {where} ORDER BY number LIMIT %s",
                [pattern, pattern, PAGE],
            )
            cursor.fetchall()

    return run


def _uses_index(query: str) -> bool:
    from faq import search
    from faq.models import FAQ

    plan = search.matching(FAQ.objects.published(), search.parse(query).terms).explain()
    return "trgm" in plan


def _reading_where(query: str) -> tuple[str, list[str]]:
    """``query`` anywhere in the text or the reading columns, as an ``ILIKE`` scan."""
    from faq.normalize import normalize

    patterns = [f"%{text}%" for text in {query, normalize(query)}]
    clauses = " OR ".join(
        "question ILIKE %s OR answer ILIKE %s OR question_reading ILIKE %s"
        " OR answer_reading ILIKE %s"
        for _ in patterns
    )
    params = [pattern for pattern in patterns for _ in range(4)]
    return f"WHERE is_published AND ({clauses})", params


def _ilike_reading(query: str):
    """The scan that finds what a reading query finds: text and reading columns, no index."""
    where, params = _reading_where(query)

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM faq_faq {where}", params)
            cursor.fetchone()
            cursor.execute(
                f"SELECT id, number, question FROM faq_faq {where} ORDER BY number LIMIT %s",
                [*params, PAGE],
            )
            cursor.fetchall()

    return run


def _readings(rng: random.Random, vocabulary: list[str]) -> dict[str, float]:
    """Reading queries: ねんきん (in the shipped FAQs), its half-width form, and the readings
    of rare kanji words of the vocabulary (as a person would type them before conversion)."""
    from faq.normalize import reading

    kanji_words = [word for word in vocabulary if word[0] in KANJI]
    rare = [reading(word) for word in rng.sample(kanji_words, 6)]
    figures: dict[str, float] = {}
    ours = statistics.mean(_timed(_ours(q)) for q in rare)
    scan = statistics.mean(_timed(_ilike_reading(q)) for q in rare)
    figures |= {
        "faq.reading_rare_search_ms": round(ours, 2),
        "faq.reading_rare_ilike_ms": round(scan, 2),
        "faq.reading_rare_speedup": round(scan / ours, 1),
    }
    # ぜい, ほう: two kana, a syllable of most readings (税務, 課税, 情報, 方法…); matched as
    # the start of a word (税務 ぜいむ, not 課税 かぜい) through the word indexes.
    readings = (
        ("nenkin", "ねんきん"),
        ("nenkin_halfwidth", "ﾈﾝｷﾝ"),
        ("two_kana_zei", "ぜい"),
        ("two_kana_hou", "ほう"),
    )
    for name, query in readings:
        ours, scan = _timed(_ours(query)), _timed(_ilike_reading(query))
        figures |= {
            f"faq.reading_{name}_search_ms": round(ours, 2),
            f"faq.reading_{name}_ilike_ms": round(scan, 2),
            f"faq.reading_{name}_speedup": round(scan / ours, 1),
        }
        if name.startswith("two_kana"):
            found, scanned = _found(query), _scanned(query)
            assert found and found <= scanned, query  # the words that start with it, only
            figures |= {
                f"faq.reading_{name}_found": len(found),
                f"faq.reading_{name}_ilike_found": len(scanned),
            }
    return figures


def _found(query: str) -> set[int]:
    from faq import search
    from faq.models import FAQ

    terms = search.parse(query).terms
    return set(search.matching(FAQ.objects.published(), terms).values_list("pk", flat=True))


def _scanned(query: str) -> set[int]:
    """The entries with ``query`` anywhere in the text or the readings (what ILIKE finds)."""
    where, params = _reading_where(query)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM faq_faq {where}", params)
        return {row[0] for row in cursor.fetchall()}


@benchmark
def faq_search() -> dict[str, float]:
    if connection.vendor != "postgresql":
        print("faq: search benchmark skipped (needs Postgres: set DATABASE_URL)", file=sys.stderr)
        return {}
    rng = random.Random(2015)
    start = time.perf_counter()
    vocabulary = _build(rng)
    build_s = time.perf_counter() - start
    # Rare words (as most real searches are) written in katakana, kanji and half-width kana.
    queries = [*rng.sample(vocabulary, 8)]
    ours = statistics.mean(_timed(_ours(q)) for q in queries)
    ilike = statistics.mean(_timed(_ilike(q)) for q in queries)
    common = "中間サーバー"  # in about one entry in ten
    common_ms, common_ilike_ms = _timed(_ours(common)), _timed(_ilike(common))
    two_ms, two_ilike_ms = _timed(_ours("年金")), _timed(_ilike("年金"))
    return {
        "faq.entries": ENTRIES,
        "faq.build_s": round(build_s, 2),
        "faq.search_ms": round(ours, 2),
        "faq.ilike_ms": round(ilike, 2),
        "faq.speedup": round(ilike / ours, 1),
        "faq.index_used": int(all(_uses_index(q) for q in queries)),
        "faq.common_word_search_ms": round(common_ms, 2),
        "faq.common_word_ilike_ms": round(common_ilike_ms, 2),
        "faq.common_word_speedup": round(common_ilike_ms / common_ms, 1),
        "faq.two_char_search_ms": round(two_ms, 2),
        "faq.two_char_ilike_ms": round(two_ilike_ms, 2),
        "faq.two_char_speedup": round(two_ilike_ms / two_ms, 1),
        **_readings(rng, vocabulary),
    }
