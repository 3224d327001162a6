"""Secrets and personal data are masked before a span leaves the process."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tracing.strategies import emails, luhn_numbers, non_luhn_numbers, secrets, words

from surefoot import tracing
from surefoot.core import ErrorInfo, SpanRecord, semconv
from surefoot.core.config import TracingSettings
from surefoot.tracing import Redact, RedactPII, RedactSecrets, luhn_valid
from surefoot.tracing._redact import (
    _CLEAN_BUDGET_CHARS,
    _CLEAN_MAX_CHARS,
    _CLEAN_MAX_STRINGS,
    _PII,
    _PLAIN_MAX_KEYS,
    _SECRET_KEY,
    _SECRETS,
    _SHORT,
    _pii_sub,
    _secret_sub,
)


def record(**fields) -> SpanRecord:
    return SpanRecord("a" * 32, "b" * 16, "s", **fields)


@given(luhn_numbers())
def test_luhn_accepts_valid_numbers(number: str) -> None:
    """Every number built with a correct check digit passes."""
    assert luhn_valid(number)


@given(non_luhn_numbers())
def test_luhn_rejects_a_wrong_check_digit(number: str) -> None:
    """Changing the check digit makes the number fail."""
    assert not luhn_valid(number)


@given(luhn_numbers(), words, words)
def test_card_numbers_passing_luhn_are_masked(number: str, before: str, after: str) -> None:
    """A Luhn-valid card number inside text is replaced by [CARD]."""
    rec = RedactPII()(record(input=f"{before} {number} {after}"))
    assert number not in rec.input
    assert "[CARD]" in rec.input


@given(non_luhn_numbers())
def test_numbers_failing_luhn_are_kept(number: str) -> None:
    """A long number that fails the Luhn check is not treated as a card."""
    rec = RedactPII()(record(input=f"order {number} shipped"))
    assert number in rec.input


@given(secrets, words)
def test_api_keys_are_masked_anywhere(secret: str, text: str) -> None:
    """API keys by pattern are masked in inputs, outputs, attributes and errors."""
    rec = RedactSecrets()(
        record(
            input={"messages": [f"{text} {secret}"]},
            output=secret,
            attributes={"note": f"key={secret}"},
            error=ErrorInfo("E", f"bad key {secret}", f"trace {secret}"),
        )
    )
    assert secret not in repr((rec.input, rec.output, rec.attributes, rec.error))
    assert rec.attributes[semconv.SF_REDACTED]


@given(emails)
def test_emails_are_masked(email: str) -> None:
    """Email addresses are replaced by [EMAIL]."""
    rec = RedactPII()(record(output=f"contact {email} today"))
    assert email not in rec.output


def test_phone_numbers_are_masked_but_not_dates_or_ips() -> None:
    """Phone numbers are masked; dates, IPv4 addresses and small numbers are left alone."""
    rec = RedactPII()(
        record(input="call +1 415-555-0100 or (030) 1234 5678 on 2024-05-13 via 10.1.2.3")
    )
    assert rec.input == "call [PHONE] or [PHONE] on 2024-05-13 via 10.1.2.3"


def test_secret_named_attributes_are_masked_but_token_counts_kept() -> None:
    """Values of *api_key*/*token/*secret*/*password* keys are masked; usage counts are not."""
    rec = RedactSecrets()(
        record(
            attributes={
                "http.request.header.authorization": "Basic abc",
                "db.password": "hunter2",
                "client_secret": "x",
                "auth_token": "t",
                semconv.GEN_AI_USAGE_INPUT_TOKENS: 12,
                semconv.GEN_AI_REQUEST_MAX_TOKENS: 100,
            },
            input={"headers": {"Authorization": "Bearer abcdefghijkl", "Accept": "json"}},
        )
    )
    attrs = rec.attributes
    assert attrs["db.password"] == attrs["client_secret"] == attrs["auth_token"] == "[REDACTED]"
    assert attrs["http.request.header.authorization"] == "[REDACTED]"
    assert attrs[semconv.GEN_AI_USAGE_INPUT_TOKENS] == 12
    assert attrs[semconv.GEN_AI_REQUEST_MAX_TOKENS] == 100
    assert rec.input == {"headers": {"Authorization": "[REDACTED]", "Accept": "json"}}


def test_bearer_tokens_in_text_are_masked() -> None:
    """An Authorization: Bearer value inside free text is masked, the scheme kept."""
    rec = RedactSecrets()(record(input="Authorization: Bearer eyJhbGciOi.payload.sig"))
    assert rec.input == "Authorization: Bearer [REDACTED]"


def test_redaction_runs_before_the_store(settings_factory, sink) -> None:
    """The recorder applies redaction before spans are written, and marks them."""
    tracing.init(settings_factory(), sink=sink)
    with tracing.span("chat", input="my key is sk-abcdefghijklmnopqrstuvwx, mail a@b.io"):
        pass
    assert tracing.flush()
    span = sink.spans[0]
    assert "sk-abc" not in span.input
    assert "a@b.io" not in span.input
    assert span.attributes[semconv.SF_REDACTED] == ["api_key", "email"]


def test_redaction_can_be_turned_off(settings_factory, sink) -> None:
    """With redact_secrets and redact_pii off, payloads are recorded verbatim."""
    settings = settings_factory(tracing={"redact_secrets": False, "redact_pii": False})
    tracing.init(settings, sink=sink)
    with tracing.span("chat", input="a@b.io"):
        pass
    assert tracing.flush()
    assert sink.spans[0].input == "a@b.io"


_MARKERS = st.sampled_from(
    [
        "Bearer", "BASIC", "sk-", "AKIA", "ASIA", "ghp_", "github_pat_", "xoxb-", "AIza",
        "api_key", "API-KEY", "apikey", "Token", "my_secret", "PASSWORD", "pwd", "paſſword",
        "api_\u212aey", "@", "+", "(", "4111 1111", "0123", "55",
    ]
)  # fmt: skip
_GLUE = st.sampled_from(["=", ": ", " ", "", "-", "'='", "@", "."])
_VALUES = st.sampled_from(
    [
        "abcdefghijklmnopqrstuvwxyz0123456789", "ABCDEFGHIJ0123456789", "mail.org",
        "4111111111111111", "+14155552671", "415 555 2671", "+٩٧١٥٥٥٢٦٧١٢",
        "12345678",
    ]
)  # fmt: skip
_SHAPED = st.tuples(st.sampled_from(["", " ", "x", "_"]), _MARKERS, _GLUE, _VALUES)
_TEXTS = st.lists(_SHAPED.map("".join) | st.text(max_size=8), min_size=1, max_size=3).map(" ".join)


# Short text and long text are screened in different ways; every text is tried both ways.
_PADDINGS = pytest.mark.parametrize("padding", ["", "x " * (_SHORT // 2)], ids=["short", "long"])


@_PADDINGS
@settings(max_examples=500)
@given(_TEXTS)
def test_the_secret_screen_never_skips_text_the_pattern_would_mask(padding: str, text: str) -> None:
    """Whatever the text, screened redaction of secrets equals running the pattern on it."""
    text = padding + text
    screened, direct = set[str](), set[str]()
    masked = RedactSecrets()._text(text, screened)
    assert masked == _SECRETS.sub(lambda m: _secret_sub(m, direct), text)
    assert screened == direct


@_PADDINGS
@settings(max_examples=500)
@given(_TEXTS)
def test_the_pii_screen_never_skips_text_the_pattern_would_mask(padding: str, text: str) -> None:
    """Whatever the text, screened redaction of personal data equals running the pattern."""
    text = padding + text
    screened, direct = set[str](), set[str]()
    masked = RedactPII()._text(text, screened)
    assert masked == _PII.sub(lambda m: _pii_sub(m, direct), text)
    assert screened == direct


_SPAN_TEXTS = st.one_of(_TEXTS, st.text(max_size=40))
_PAYLOADS = st.recursive(
    _SPAN_TEXTS | st.integers() | st.none(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["content", "api_key", "role", "auth_token"]), inner)
    ),
    max_leaves=6,
)


@settings(max_examples=300)
@given(
    _PAYLOADS,
    _PAYLOADS,
    st.dictionaries(st.sampled_from(["note", "db.password"]), _PAYLOADS),
    st.none() | st.lists(st.sampled_from(["email", "card", "api_key", "sampled"])),
    st.none() | _SPAN_TEXTS,
)
def test_one_walk_masks_what_secrets_then_pii_would(inp, out, attrs, earlier, message) -> None:
    """Redact masks in one walk exactly what RedactSecrets followed by RedactPII masks."""
    if earlier is not None:  # kinds an earlier processor listed
        attrs[semconv.SF_REDACTED] = earlier
    error = None if message is None else ErrorInfo("E", message, message)
    span = record(input=inp, output=out, attributes=attrs, error=error)
    one = Redact()(copy.deepcopy(span))
    two = RedactPII()(RedactSecrets()(copy.deepcopy(span)))
    assert one == two


def _reference(value: Any, found: set[str]) -> Any:
    """Redaction as the patterns define it, copying everything: what Redact must agree with."""
    if isinstance(value, str):
        value = _SECRETS.sub(lambda m: _secret_sub(m, found), value)
        return _PII.sub(lambda m: _pii_sub(m, found), value)
    if isinstance(value, list):
        return [_reference(item, found) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is not None and _SECRET_KEY.search(key):
                found.add("secret_attribute")
                out[key] = "[REDACTED]"
            else:
                out[key] = _reference(item, found)
        return out
    return value


@settings(max_examples=300)
@given(_PAYLOADS, _PAYLOADS, st.dictionaries(st.sampled_from(["note", "db.password"]), _PAYLOADS))
def test_redaction_equals_the_patterns_applied_everywhere(inp, out, attrs) -> None:
    """Whatever shortcuts the walk takes (remembered strings and keys, copies made only on a
    change), its result is the patterns applied to every string and secret-named key."""
    redact = Redact()
    for _ in range(2):  # the second time through, strings and keys are remembered
        span = redact(record(input=copy.deepcopy(inp), output=copy.deepcopy(out),
                             attributes=copy.deepcopy(attrs)))  # fmt: skip
        found: set[str] = set()
        expected = _reference({"i": inp, "o": out, "a": attrs}, found)
        if found:
            expected["a"][semconv.SF_REDACTED] = sorted(found)
        assert {"i": span.input, "o": span.output, "a": span.attributes} == expected


def test_a_payload_with_nothing_to_mask_is_kept_as_the_same_object() -> None:
    """Nothing is copied when nothing is masked."""
    messages = [{"role": "user", "content": "what is the delivery time for order 42?"}]
    attrs = {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 12}
    span = Redact()(record(input=messages, attributes=attrs))
    assert span.input is messages
    assert span.attributes is attrs


def test_a_masked_payload_is_a_copy_and_the_original_is_left_alone() -> None:
    """Masking replaces what holds the masked string with a copy; the value given is unchanged."""
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "mail me at ana@example.com"},
    ]
    span = Redact()(record(input=messages))
    assert span.input == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "mail me at [EMAIL]"},
    ]
    assert messages[1]["content"] == "mail me at ana@example.com"
    assert span.input[0] is messages[0]  # the part with nothing to mask is shared


def test_spans_sharing_an_input_get_one_masked_copy_and_both_say_so() -> None:
    """The second span holding the same input object gets the first's masked copy (one object
    for the store to keep once), and its own record of what was masked."""
    messages = [{"role": "user", "content": "mail me at ana@example.com"}]
    redact = Redact()
    guard, llm = redact(record(input=messages)), redact(record(input=messages))
    assert llm.input is guard.input
    assert llm.input == [{"role": "user", "content": "mail me at [EMAIL]"}]
    assert guard.attributes[semconv.SF_REDACTED] == llm.attributes[semconv.SF_REDACTED] == ["email"]


def test_an_equal_input_in_another_object_is_walked_on_its_own() -> None:
    """Only the very same object reuses the last result: a copy gets its own masked copy."""
    messages = [{"role": "user", "content": "mail me at ana@example.com"}]
    redact = Redact()
    first, second = redact(record(input=messages)), redact(record(input=copy.deepcopy(messages)))
    assert second.input == first.input
    assert second.input is not first.input


def test_remembered_plain_keys_are_bounded() -> None:
    """However many distinct keys pass, the keys remembered as not secret stay under a bound."""
    redact = Redact()
    for i in range(_PLAIN_MAX_KEYS * 2):
        redact(record(attributes={f"app.field_{i}": 1}))
    assert 0 < len(redact._plain_keys) <= _PLAIN_MAX_KEYS


def test_the_default_pipeline_redacts_in_one_walk() -> None:
    """With both kinds on, the default processors hold one Redact, before the size cap."""
    on = tracing.default_processors(TracingSettings(redact_secrets=True, redact_pii=True))
    assert [type(p).__name__ for p in on] == ["Redact", "TruncatePayloads"]
    pii_only = tracing.default_processors(TracingSettings(redact_secrets=False, redact_pii=True))
    redact = pii_only[0]
    assert isinstance(redact, Redact) and not redact.secrets and redact.pii
    off = tracing.default_processors(TracingSettings(redact_secrets=False, redact_pii=False))
    assert [type(p).__name__ for p in off] == ["TruncatePayloads"]


def test_phone_numbers_in_other_scripts_digits_are_masked() -> None:
    """Digits are digits in any script: an Arabic-Indic phone number is masked too."""
    text = "call +٩٧١٥٥٥٢٦٧١٢ now"
    assert RedactPII()(record(input=text)).input == "call [PHONE] now"


def test_short_digit_runs_skip_the_pii_pattern() -> None:
    """Text with fewer than nine digits and no @ cannot hold what is masked; it is kept as is."""
    text = "chatcmpl-fault-293 at 12:30"
    assert RedactPII()(record(input=text)).input == text


_REPEATS = st.lists(_TEXTS, min_size=1, max_size=4).flatmap(
    lambda pool: st.lists(st.sampled_from(pool), min_size=1, max_size=12)
)


@settings(max_examples=300)
@given(_REPEATS)
def test_a_redactor_that_has_seen_a_text_masks_it_as_a_fresh_one_would(texts: list[str]) -> None:
    """Remembering clean strings changes nothing: one long-lived Redact gives, text after text
    (repeats included), what a new Redact gives each of them."""
    lived = Redact()
    for text in texts:
        seen, fresh = set[str](), set[str]()
        assert lived._text(text, seen) == Redact()._text(text, fresh)
        assert seen == fresh


def test_a_secret_repeated_on_every_span_is_masked_every_time() -> None:
    """Only strings with nothing to mask are remembered: a key sent on every request is masked
    on every span, and listed as found on every span."""
    redact = Redact()
    for _ in range(3):
        span = redact(record(input="use sk-proj-abcdefghijklmnopqrstuvwx please"))
        assert "sk-proj" not in span.input
        assert span.attributes[semconv.SF_REDACTED] == ["api_key"]


def test_remembered_clean_strings_are_bounded() -> None:
    """However many distinct clean strings pass, the remembered set stays under its bound."""
    redact = Redact()
    for i in range(_CLEAN_MAX_STRINGS * 3):
        redact._text(f"nothing to mask here, number {i:x}", set())
    assert 0 < len(redact._clean) <= _CLEAN_MAX_STRINGS


def test_a_long_clean_system_prompt_is_remembered() -> None:
    """A system prompt of several thousand characters, sent on every request, is screened once."""
    redact = Redact()
    prompt = "You answer questions about orders and deliveries. " * 200  # 10,200 characters
    assert len(prompt) <= _CLEAN_MAX_CHARS
    redact._text(prompt, set())
    assert prompt in redact._clean


def test_remembered_clean_strings_are_bounded_in_characters() -> None:
    """Long clean strings cannot make the remembered set hold more than its character budget."""
    redact = Redact()
    for i in range(_CLEAN_BUDGET_CHARS // _CLEAN_MAX_CHARS * 3):
        redact._text(f"{i:08x} " + "nothing to mask " * 4_000, set())
        assert redact._clean_chars <= _CLEAN_BUDGET_CHARS + _CLEAN_MAX_CHARS
    assert sum(map(len, redact._clean)) == redact._clean_chars
