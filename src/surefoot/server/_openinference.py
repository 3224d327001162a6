"""Span kinds from GenAI and OpenInference attributes, and OpenInference names → GenAI names.

OpenInference (Arize) and the OpenTelemetry GenAI conventions describe the same calls with
different names. Ingested spans are stored under one vocabulary, the GenAI one, so filters, cost
roll-ups and monitors need not know which instrumentation produced a span. A renamed attribute
is moved, not copied; an attribute already present under the GenAI name wins.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from surefoot.core import semconv
from surefoot.core._records import JSONValue, SpanKind

if TYPE_CHECKING:
    from surefoot.core._records import SpanRecord

__all__ = ["apply_openinference", "kind_from_attributes"]

OI_SPAN_KIND = "openinference.span.kind"
OI_INPUT_VALUE = "input.value"
OI_OUTPUT_VALUE = "output.value"
OI_INPUT_MESSAGES = "llm.input_messages"
OI_OUTPUT_MESSAGES = "llm.output_messages"

_OPENINFERENCE_KINDS = {
    "LLM": SpanKind.LLM,
    "EMBEDDING": SpanKind.EMBEDDING,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "RERANKER": SpanKind.RETRIEVAL,
    "TOOL": SpanKind.TOOL,
    "CHAIN": SpanKind.INTERNAL,
    "AGENT": SpanKind.REQUEST,
    "GUARDRAIL": SpanKind.GUARD,
    "EVALUATOR": SpanKind.EVAL,
    "PROMPT": SpanKind.PROMPT,
}
_GENAI_OPERATION_KINDS = {
    "chat": SpanKind.LLM,
    "text_completion": SpanKind.LLM,
    "generate_content": SpanKind.LLM,
    "embeddings": SpanKind.EMBEDDING,
    "execute_tool": SpanKind.TOOL,
    "invoke_agent": SpanKind.REQUEST,
}
_RENAMES = {
    "llm.model_name": semconv.GEN_AI_REQUEST_MODEL,
    "llm.provider": semconv.GEN_AI_PROVIDER_NAME,
    "llm.system": semconv.GEN_AI_SYSTEM,
    "llm.token_count.prompt": semconv.GEN_AI_USAGE_INPUT_TOKENS,
    "llm.token_count.completion": semconv.GEN_AI_USAGE_OUTPUT_TOKENS,
    "llm.token_count.prompt_details.cache_read": semconv.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    "llm.token_count.completion_details.reasoning": semconv.GEN_AI_USAGE_REASONING_TOKENS,
    "tool.name": semconv.GEN_AI_TOOL_NAME,
    "session.id": semconv.GEN_AI_CONVERSATION_ID,
}
# llm.input_messages.<i>.message.<field...>
_MESSAGE_KEY = re.compile(r"^(llm\.(?:input|output)_messages)\.(\d+)\.message\.(.+)$")


def kind_from_attributes(attributes: dict[str, JSONValue]) -> SpanKind | None:
    """The span kind OpenInference or the GenAI operation name states, or None."""
    oi_kind = attributes.get(OI_SPAN_KIND)
    if isinstance(oi_kind, str) and oi_kind.upper() in _OPENINFERENCE_KINDS:
        return _OPENINFERENCE_KINDS[oi_kind.upper()]
    operation = attributes.get(semconv.GEN_AI_OPERATION_NAME)
    if isinstance(operation, str):
        return _GENAI_OPERATION_KINDS.get(operation)
    return None


def apply_openinference(record: SpanRecord) -> None:
    """Rename OpenInference attributes onto GenAI names and lift payloads into input/output.

    ``llm.input_messages.*`` become the llm span's input (the prompt, as a message list) and
    ``llm.output_messages.*`` its output; otherwise ``input.value`` / ``output.value`` are.
    GenAI's ``gen_ai.input.messages`` / ``gen_ai.output.messages`` fill them when still unset.
    """
    attrs = record.attributes
    for source, target in _RENAMES.items():
        if source in attrs:
            value = attrs.pop(source)
            attrs.setdefault(target, value)
    messages = _messages(attrs)
    if record.input is None:
        record.input = _payload(
            attrs, messages.get(OI_INPUT_MESSAGES), OI_INPUT_VALUE, semconv.GEN_AI_INPUT_MESSAGES
        )
    if record.output is None:
        record.output = _payload(
            attrs, messages.get(OI_OUTPUT_MESSAGES), OI_OUTPUT_VALUE, semconv.GEN_AI_OUTPUT_MESSAGES
        )


def _payload(
    attrs: dict[str, JSONValue], messages: list[JSONValue] | None, *keys: str
) -> JSONValue:
    # The first source present wins; the attributes it came from are moved, the others kept.
    if messages is not None:
        return messages
    for key in keys:
        value = _pop_json(attrs, key)
        if value is not None:
            return value
    return None


def _pop_json(attrs: dict[str, JSONValue], key: str) -> JSONValue:
    # Popped only when it becomes the payload, so nothing is dropped when both forms are sent.
    value = attrs.get(key)
    if value is None:
        return None
    del attrs[key]
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _messages(attrs: dict[str, JSONValue]) -> dict[str, list[JSONValue]]:
    """Unflatten ``llm.{input,output}_messages.<i>.message.<path>`` into message lists."""
    found: dict[str, dict[int, dict[str, JSONValue]]] = {}
    for key in [k for k in attrs if k.startswith(("llm.input_messages.", "llm.output_messages."))]:
        match = _MESSAGE_KEY.match(key)
        if match is None:
            continue
        prefix, index, path = match.group(1), int(match.group(2)), match.group(3)
        message = found.setdefault(prefix, {}).setdefault(index, {})
        _set_path(message, path.split("."), attrs.pop(key))
    return {
        prefix: [_listify(by_index[i]) for i in sorted(by_index)]
        for prefix, by_index in found.items()
    }


def _set_path(node: dict[str, JSONValue], parts: list[str], value: JSONValue) -> None:
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return  # a conflicting flat key: keep the first value seen
        node = child
    node[parts[-1]] = value


def _listify(node: JSONValue) -> JSONValue:
    # Flattened arrays arrive as {"0": ..., "1": ...}; nested OpenInference keys add a level
    # named after the item type (tool_calls.0.tool_call.function.name), dropped here.
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        items = [_listify(node[k]) for k in sorted(node, key=int)]
        return [_unwrap(item) for item in items]
    return {k: _listify(v) for k, v in node.items()}


def _unwrap(item: JSONValue) -> JSONValue:
    if isinstance(item, dict) and len(item) == 1:
        (only,) = item.values()
        if isinstance(only, dict):
            return only
    return item
