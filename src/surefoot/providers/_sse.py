"""A line-fed decoder for server-sent events (the HTML living standard's parsing rules).

The decoder is pure: a sync and an async loop each feed it lines, so the two stay identical.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event."""

    data: str
    event: str = "message"
    id: str | None = None


class SSEDecoder:
    """Turns lines (without their line endings) into events.

    Examples:
        >>> decoder = SSEDecoder()
        >>> [decoder.feed(line) for line in ["data: a", "data: b", ""]][-1]
        ServerSentEvent(data='a\\nb', event='message', id=None)
    """

    __slots__ = ("_data", "_event", "_id")

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        """Take one line; return the event a blank line completes, else ``None``."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):  # a comment, often a keep-alive
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        # "retry" and unknown fields are ignored, as the standard says.
        return None

    def flush(self) -> ServerSentEvent | None:
        """The event pending at end of input without its blank line.

        The standard discards it; callers use it only to report how a stream was cut.
        """
        return self._dispatch()

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = ServerSentEvent(
            data="\n".join(self._data), event=self._event or "message", id=self._id
        )
        self._data = []
        self._event = ""
        return event
