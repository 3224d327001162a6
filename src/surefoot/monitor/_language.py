"""A small language identifier for output monitoring: Unicode scripts, then stopwords.

Monitoring asks a coarse question ("did answers start coming back in another language?") about
many short texts, deterministically and cheaply. A script decides most languages outright
(Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Hangul, kana, Han); within Latin script the
most frequent function words separate the common European languages. That needs no dependency
and gives the same answer every run; ``langdetect`` is randomised unless seeded, slower by orders
of magnitude, and absent from our dependencies. Texts with too little evidence are ``"und"``
(undetermined) rather than a guess.
"""

from __future__ import annotations

import re
import unicodedata

UNDETERMINED = "und"
# Function words: frequent in any running text of the language, rare in the others.
_FUNCTION_WORDS = {
    "en": "the and of to is in that it for you was with on are this be have not but what can "
    "your will there from they",
    "de": "der die und das ist nicht ich es sie zu den mit ein eine auf für sich dem auch wir "
    "ihr sind oder werden",
    "fr": "le la les et est des une que pas pour dans ce qui sur vous nous avec sont mais ou je "
    "il elle du au",
    "es": "el la los las y es que de en un una por con no para se su al lo como más pero sus le "
    "ya está",
    "it": "il di che è e la per un una non sono con del della gli le ma lo questo anche come più "
    "nel ha si",
    "pt": "o a os as e de que não um uma para com é do da em no na por se mais mas como você são "
    "foi",
    "nl": "de het een en van is dat niet ik je op te zijn met voor er maar ook als wat hij zij wij",
}
STOPWORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(lang for lang, stop in STOPWORDS.items() if word in stop)
    for word in set().union(*STOPWORDS.values())
}
# Script of a character, from the first word of its Unicode name, for scripts that name a language.
SCRIPTS = {
    "CYRILLIC": "ru",
    "GREEK": "el",
    "ARABIC": "ar",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
    "THAI": "th",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "CJK": "zh",
}
UKRAINIAN = frozenset("іїєґІЇЄҐ")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_HITS = 2


def _script(ch: str) -> str | None:
    if ch <= "\u024f":
        return "LATIN"  # Basic Latin to Latin Extended-B: skip the slow name lookup
    try:
        first = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return None
    return first if first in SCRIPTS or first == "LATIN" else None


def detect_language(text: str, *, sample: int = 2000) -> str:
    """ISO 639-1 code of the text's language, or ``"und"`` when the evidence is too thin.

    Args:
        text: The text; only the first ``sample`` characters are read.
        sample: Characters read.

    Examples:
        >>> detect_language("The order was shipped and it will arrive on Monday.")
        'en'
        >>> detect_language("Die Bestellung ist unterwegs und kommt am Montag an.")
        'de'
        >>> detect_language("Заказ уже в пути."), detect_language("ok")
        ('ru', 'und')
    """
    head = text[:sample]
    if head.isascii():
        return _latin(head)  # the common case, without a per-character pass
    counts: dict[str, int] = {}
    for ch in head:
        if ch.isalpha():
            script = _script(ch)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return UNDETERMINED
    script = max(counts, key=lambda s: counts[s])
    if script == "CJK" and (counts.get("HIRAGANA", 0) or counts.get("KATAKANA", 0)):
        return "ja"  # Japanese mixes Han with kana; Chinese has no kana
    if script == "CYRILLIC" and any(ch in UKRAINIAN for ch in head):
        return "uk"
    if script != "LATIN":
        return SCRIPTS[script]
    return _latin(head)


def _latin(text: str) -> str:
    hits = dict.fromkeys(STOPWORDS, 0)
    for word in WORD.findall(text.lower()):
        for lang in _LANGUAGES_OF.get(word, ()):
            hits[lang] += 1
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    # Many short function words are shared ("de", "la", "a"): demand a clear winner.
    if top < MIN_HITS or top < 1.5 * second:
        return UNDETERMINED
    return best
