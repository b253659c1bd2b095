"""Japanese text normalisation for search: one pure function, applied alike to text and query.

``normalize`` folds what a reader treats as the same word: full/half width (NFKC, so
``中間ｻｰﾊﾞｰ`` and ``ＦＡＱ`` become ``中間サーバー`` and ``FAQ``), katakana to hiragana
(``サーバー`` and ``さーばー`` match), case (casefold), runs of whitespace to one space, and
drops control and format characters (zero-width spaces and the like hide matches).

``normalize_with_spans`` gives the same text plus, for every output character, the span of
the input it came from, so a match found in normalised text can be marked in the original.
"""

from __future__ import annotations

import re
import threading
import unicodedata

# Katakana ァ (U+30A1) … ヶ (U+30F6) and the iteration marks ヽヾ sit 0x60 above their
# hiragana twins. ヷヸヹヺ have no hiragana form and stay as they are.
_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6
_ITERATION = {"ヽ": "ゝ", "ヾ": "ゞ"}
# Half-width voiced/semi-voiced sound marks combine with the previous kana under NFKC.
_HALFWIDTH_MARKS = {"\uff9e", "\uff9f"}


def _fold_kana(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if _KATAKANA_FIRST <= code <= _KATAKANA_LAST:
            out.append(chr(code - 0x60))
        else:
            out.append(_ITERATION.get(char, char))
    return "".join(out)


def _is_dropped(char: str) -> bool:
    # Cc = control (tab/newline become spaces before this check), Cf = format (ZWSP, BOM…).
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn")


def _segments(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into a base character and the marks that combine with it."""
    segments: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index < len(text):
            char = text[index]
            if char in _HALFWIDTH_MARKS or unicodedata.combining(char) or char in "\u3099\u309a":
                continue
        if start < index:
            segments.append((start, index))
        start = index
    return segments


def _fold_segment(piece: str) -> str:
    folded = unicodedata.normalize("NFKC", piece)
    folded = _fold_kana(folded).casefold()
    # casefold may undo composition (e.g. İ); compose again so equal text stays equal.
    return unicodedata.normalize("NFKC", folded)


def normalize_with_spans(text: str | None) -> tuple[str, list[tuple[int, int]]]:
    """``(normalised, spans)``: ``spans[i]`` is the input span of output character ``i``."""
    if not text:
        return "", []
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for start, end in _segments(str(text)):
        for char in _fold_segment(text[start:end]):
            if char.isspace():
                # Collapse runs; a leading space is never emitted.
                if out and out[-1] != " ":
                    out.append(" ")
                    spans.append((start, end))
                continue
            if _is_dropped(char):
                continue
            out.append(char)
            spans.append((start, end))
    if out and out[-1] == " ":
        out.pop()
        spans.pop()
    return "".join(out), spans


_KANA_TABLE = {code: code - 0x60 for code in range(_KATAKANA_FIRST, _KATAKANA_LAST + 1)} | {
    ord(k): ord(h) for k, h in _ITERATION.items()
}
_SPACES = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """The search form of ``text``: NFKC, katakana→hiragana, casefold, one space, no controls.

    Whole-string operations (fast enough for 10,000 entries); the same result as
    :func:`normalize_with_spans`, which the table tests check.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).translate(_KANA_TABLE).casefold()
    folded = unicodedata.normalize("NFKC", folded)
    spaced = _SPACES.sub(" ", folded)
    kept = "".join(char for char in spaced if not _is_dropped(char))
    return _SPACES.sub(" ", kept).strip()


def terms(query: str | None, *, limit: int = 10) -> list[str]:
    """The distinct normalised words of a query (space separated), at most ``limit``."""
    seen: list[str] = []
    for word in normalize(query).split(" "):
        if word and word not in seen:
            seen.append(word)
    return seen[:limit]


def _script(char: str) -> str:
    code = ord(char)
    if 0x3041 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or char == "ー":
        return "katakana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or char in "々〆ヶ":
        return "kanji"
    if char.isalnum():
        return "latin"
    return "other"


def keywords(text: str | None, *, limit: int = 10) -> list[str]:
    """Content words of a typed sentence, normalised: runs of kanji, katakana or latin letters.

    Japanese is written without spaces; hiragana runs are mostly particles and endings
    (の, について, ください), so splitting where the script changes finds the words that
    matter (``中間サーバーの利用`` → ``中間``, ``さーばー``, ``利用``). Single characters are
    dropped as too common to help.
    """
    wide = unicodedata.normalize("NFKC", text or "")
    runs: list[str] = []
    current, kind = "", ""
    for char in wide:
        script = _script(char)
        if script != kind and current:
            if kind in ("kanji", "katakana", "latin"):
                runs.append(current)
            current = ""
        kind = script
        current += char
    if current and kind in ("kanji", "katakana", "latin"):
        runs.append(current)
    found: list[str] = []
    for run in runs:
        word = normalize(run)
        if len(word) >= 2 and word not in found:
            found.append(word)
    return found[:limit]


# --- Readings (よみ) ------------------------------------------------------------------------------
# Staff type readings (ねんきん, ﾈﾝｷﾝ) as often as kanji, and IME conversion differs between PCs,
# so text is also stored as its reading: every word with a kanji replaced by the reading the
# morphological analyser gives, everything else as written, then normalised like the text.
# SudachiPy with SudachiDict-small: maintained, a compiled tokenizer, and the dictionary is a
# pip package read from disk (nothing downloaded at run time).
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
# Sudachi refuses input over 49,149 bytes (a UTF-8 kanji is 3): analyse long text in pieces.
_CHUNK = 4000
_local = threading.local()


def has_kanji(text: str) -> bool:
    return bool(_KANJI.search(text))


def _tokenizer():
    # One tokenizer per thread: a Sudachi tokenizer is not safe to share between threads.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        tokenizer = Dictionary(dict="small").tokenizer(mode=SplitMode.C)
        _local.tokenizer = tokenizer
    return tokenizer


def _chunks(text: str) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most _CHUNK characters, cut after a space or 。."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > _CHUNK:
        window = text[start : start + _CHUNK]
        cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("。"))
        end = start + (cut + 1 if cut > 0 else _CHUNK)
        pieces.append((start, text[start:end]))
        start = end
    pieces.append((start, text[start:]))
    return pieces


def _analysed(text: str) -> tuple[str, list[tuple[int, int]], list[tuple[str, int, int]]]:
    """The raw (unnormalised) reading; for each of its characters, the source span; and the
    words: ``(raw reading of the word, begin, end)`` with its span in ``text``."""
    out: list[str] = []
    owners: list[tuple[int, int]] = []
    words: list[tuple[str, int, int]] = []
    for offset, chunk in _chunks(text):
        for morpheme in _tokenizer().tokenize(chunk):
            surface = morpheme.surface()
            begin, end = offset + morpheme.begin(), offset + morpheme.end()
            if _KANJI.search(surface) and morpheme.reading_form():
                piece = morpheme.reading_form()
                owners += [(begin, end)] * len(piece)
            else:  # kana, latin, digits and spaces as written (the analyser would spell them)
                piece = surface
                owners += [(begin + i, begin + i + 1) for i in range(len(piece))]
            out.append(piece)
            words.append((piece, begin, end))
    return "".join(out), owners, words


def _reading_pieces(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The raw (unnormalised) reading and, for each of its characters, the source span."""
    raw, owners, _words = _analysed(text)
    return raw, owners


def _word_forms(piece: str) -> list[str]:
    """The search forms of one analysed word: normalised, split at spaces, punctuation and
    symbols dropped (a word is kept if it has a letter or a digit)."""
    return [form for form in normalize(piece).split(" ") if any(c.isalnum() for c in form)]


def reading(text: str | None) -> str:
    """The normalised reading of ``text``: ``国民年金の手続`` → ``こくみんねんきんのてつづき``.

    Text without kanji reads as itself (``normalize(text)``); the analyser is not called.
    """
    if not text:
        return ""
    text = str(text)
    if not _KANJI.search(text):
        return normalize(text)
    return normalize(_reading_pieces(text)[0])


def reading_with_spans(text: str | None) -> tuple[str, list[tuple[int, int]]]:
    """``(reading, spans)``: ``spans[i]`` is the input span read as reading character ``i``
    (a whole word for a kanji word), so a match in the reading can be marked in the text."""
    if not text:
        return "", []
    raw, owners = _reading_pieces(str(text))
    norm, spans = normalize_with_spans(raw)
    return norm, [(owners[start][0], owners[end - 1][1]) for start, end in spans]


def read(text: str | None) -> tuple[str, str]:
    """``(reading, words)`` of ``text`` in one pass of the analyser: the reading as
    :func:`reading` gives it, and the distinct reading of each word (morpheme) in order,
    separated by one space: ``国民年金の税金`` → ``("こくみんねんきんのぜいきん",
    "こくみん ねんきん の ぜいきん")``. The words are what a short reading query (ぜい, ほう)
    is matched against: a word that starts with it, not any syllable inside a word."""
    if not text:
        return "", ""
    text = str(text)
    raw, _owners, analysed = _analysed(text)
    seen: dict[str, None] = {}
    for piece, _begin, _end in analysed:
        for form in _word_forms(piece):
            seen.setdefault(form, None)
    return (normalize(raw) if _KANJI.search(text) else normalize(text)), " ".join(seen)


def reading_words(text: str | None) -> str:
    """The distinct normalised readings of the words of ``text``, space separated (see
    :func:`read`)."""
    return read(text)[1]


def word_spans(text: str | None) -> list[tuple[str, int, int]]:
    """``(word, begin, end)`` for every word of ``text``: its normalised reading and the span
    of ``text`` it was read from (to mark the word a short reading query found)."""
    if not text:
        return []
    return [
        (form, begin, end)
        for piece, begin, end in _analysed(str(text))[2]
        for form in _word_forms(piece)
    ]


def variants(word: str) -> list[str]:
    """A normalised query word and, when it differs, its reading (年金 → ねんきん), to look up
    in the readings. A one-kana reading (税 is ぜい, but 日 is ひ) would match almost anything."""
    read = reading(word)
    return [word, read] if len(read) >= 2 and read != word else [word]


_KANA_WORD = re.compile(r"^[\u3041-\u309f][\u3041-\u309f\u30fc]*$")
SHORT_READING = 2


def is_short_reading(word: str) -> bool:
    """A normalised word of at most two kana (ぜい, ほう): the syllables are in most readings,
    so it is matched as the start of a word (:func:`read`), not anywhere in a reading."""
    return len(word) <= SHORT_READING and bool(_KANA_WORD.match(word))


_HIRAGANA_WORD = re.compile(r"^[\u3041-\u309f\u30fc]{2,}$")


def kana_nouns(text: str | None, *, limit: int = 10) -> list[str]:
    """Nouns typed in hiragana (``ねんきんのてつづき`` → ``ねんきん``, ``てつづき``), which
    :func:`keywords` drops with the particles: a sentence typed before IME conversion."""
    folded = normalize(text)
    if not folded:
        return []
    found: list[str] = []
    for _offset, chunk in _chunks(folded):
        for morpheme in _tokenizer().tokenize(chunk):
            word = morpheme.surface()
            if (
                morpheme.part_of_speech()[0] == "名詞"
                and _HIRAGANA_WORD.match(word)
                and word not in found
            ):
                found.append(word)
    return found[:limit]
