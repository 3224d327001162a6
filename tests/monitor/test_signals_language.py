"""The output-language detector: scripts decide, stopwords split Latin, thin evidence is ``und``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.monitor import detect_language
from surefoot.monitor._language import SCRIPTS, STOPWORDS, UNDETERMINED

KNOWN = {UNDETERMINED, "uk", *SCRIPTS.values(), *STOPWORDS}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your refund was approved and you will see it in five days.", "en"),
        ("Ihre Erstattung ist genehmigt und wird in fünf Tagen sichtbar sein.", "de"),
        ("Votre remboursement est approuvé et vous le verrez dans cinq jours.", "fr"),
        ("Su reembolso está aprobado y lo verá en cinco días.", "es"),
        ("Il rimborso è stato approvato e lo vedrà tra cinque giorni.", "it"),
        ("O seu reembolso foi aprovado e você verá em cinco dias.", "pt"),
        ("Uw terugbetaling is goedgekeurd en u ziet het over vijf dagen.", "nl"),
        ("Ваш возврат одобрен.", "ru"),
        ("Ваше повернення схвалено і їх буде видно.", "uk"),
        ("返金が承認されました。", "ja"),
        ("您的退款已获批准。", "zh"),
        ("환불이 승인되었습니다.", "ko"),
        ("Η επιστροφή εγκρίθηκε.", "el"),
        ("تمت الموافقة على استرداد أموالك.", "ar"),
    ],
)
def test_common_languages_are_recognised(text: str, code: str) -> None:
    """A sentence in each supported language gets its ISO 639-1 code."""
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "42", "OK!", '{"a": 1}', "de"])
def test_thin_evidence_is_undetermined(text: str) -> None:
    """Numbers, one word, JSON keys or shared function words say nothing: ``und``."""
    assert detect_language(text) == UNDETERMINED


@given(st.text(max_size=300))
def test_any_text_gives_a_known_code_and_never_raises(text: str) -> None:
    """Whatever the text, the answer is one of the known codes."""
    assert detect_language(text) in KNOWN


@given(st.text(max_size=200))
def test_only_the_sample_is_read(text: str) -> None:
    """Text past ``sample`` characters does not change the answer."""
    assert detect_language(text + " der die und das ist" * 50, sample=len(text)) == detect_language(
        text
    )
