"""Settings: one validated object, built once at the edges and passed down in small pieces.

Precedence, highest first: explicit argument, ``SUREFOOT_*`` environment variable, the
``surefoot.toml`` file, the default. Nested settings use ``__`` in variable names
(``SUREFOOT_STORE__URL``) and tables in the file (``[store] url = ...``). Which file is read:
the ``config_file`` argument, else ``SUREFOOT_CONFIG``, else ``./surefoot.toml`` when present.

Every setting is documented here, in its field's description; ``surefoot config show`` prints the
effective values, where each came from, and masks secrets. ``docs/configuration.md`` is generated
from the same descriptions.
"""

from __future__ import annotations

import contextvars
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from surefoot.core.errors import ConfigError

__all__ = [
    "GatewaySettings",
    "ModelSettings",
    "OtlpSettings",
    "RecorderSettings",
    "ServerSettings",
    "SettingOrigin",
    "Settings",
    "StoreSettings",
    "TracingSettings",
    "explain_settings",
    "mask_url",
]

ENV_PREFIX = "SUREFOOT_"
CONFIG_ENV = "SUREFOOT_CONFIG"
DEFAULT_CONFIG_FILE = Path("surefoot.toml")

_toml_path: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "surefoot_toml_path", default=None
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Section):
    """Where records are kept."""

    url: str = Field(
        "sqlite:///.surefoot/surefoot.db",
        description="SQLAlchemy URL of the store: sqlite:///PATH (embedded default, WAL mode) or "
        "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB.",
    )
    connect_timeout_s: float = Field(5.0, gt=0, description="Seconds to wait for a connection.")
    pool_size: int = Field(5, ge=1, le=200, description="Connections kept open (PostgreSQL).")
    auto_migrate: bool = Field(
        True,
        description="Create or upgrade the schema when surefoot.init() opens the store. Turn off "
        "where a deploy step runs `surefoot db upgrade` instead.",
    )


class RecorderSettings(_Section):
    """The background writer between the traced code and the store."""

    queue_size: int = Field(
        65_536,
        ge=16,
        description="Spans held in memory; beyond it new spans are dropped and counted.",
    )
    batch_size: int = Field(
        1_024,
        ge=1,
        description="Spans written per store transaction. Unset: 256 in `surefoot serve`, whose "
        "tail latency feels the recorder's bursts of work less when they are shorter; 1024 "
        "elsewhere, which costs less CPU per span and catches up faster after a store outage.",
    )
    flush_interval_s: float = Field(
        0.2,
        gt=0,
        le=60,
        description="Longest time a span waits in memory before it is written or spooled. This is "
        "the bound on what a `kill -9` can lose.",
    )
    spool_dir: Path = Field(
        Path(".surefoot/spool"),
        description="Where spans are appended while the store is unreachable, replayed in order "
        "later.",
    )
    spool_max_bytes: int = Field(
        1 << 30, ge=1 << 20, description="Spool size past which new spans are dropped and counted."
    )
    retry_interval_s: float = Field(
        1.0, gt=0, description="Seconds between attempts to reach an unavailable store."
    )
    shutdown_timeout_s: float = Field(
        5.0, ge=0, description="How long flush at exit may take before the rest goes to the spool."
    )
    offload: bool | None = Field(
        None,
        description="Redact, spool and write spans in a child process instead of on threads of "
        "the traced one, whose event loop would otherwise wait for their work. Unset: on in "
        "`surefoot serve`, off in applications. Custom sinks, processors and exporters passed to "
        "`tracing.init` need it off.",
    )


class TracingSettings(_Section):
    """What is captured on every traced call."""

    enabled: bool = Field(True, description="Record traces at all. Off makes tracing a no-op.")
    service_name: str = Field("surefoot-app", description="The service.name of every span.")
    sample_rate: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Fraction of traces kept by head sampling. Errors and every guard decision "
        "other than serve are always kept.",
    )
    capture_payloads: bool = Field(True, description="Record span inputs and outputs.")
    max_payload_chars: int = Field(
        32_768,
        ge=64,
        description="Cap on each serialised input, output and attribute; longer values end in an "
        "explicit truncation marker.",
    )
    redact_secrets: bool = Field(
        True, description="Mask Authorization headers, API keys and tokens before recording."
    )
    redact_pii: bool = Field(
        True, description="Mask emails, phone numbers and card numbers (Luhn-checked)."
    )
    price_table: Path | None = Field(
        None,
        description="A TOML file of extra or corrected model prices, merged over the built-in "
        "table.",
    )


class OtlpSettings(_Section):
    """Export of spans to an OpenTelemetry collector, beside the store."""

    endpoint: str | None = Field(
        None,
        description="OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces. Unset: no export.",
    )
    headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="Headers sent with each export (often an API key)."
    )
    protocol: Literal["http/protobuf", "http/json"] = Field(
        "http/protobuf", description="OTLP encoding."
    )
    timeout_s: float = Field(10.0, gt=0, description="Seconds per export request.")


class ServerSettings(_Section):
    """The API server and gateway started by `surefoot serve`."""

    host: str = Field(
        "127.0.0.1",
        description="Address to bind. Anything but a loopback address needs at least one API key "
        "(`surefoot keys create`); `surefoot serve` refuses to start otherwise.",
    )
    port: int = Field(8000, ge=0, le=65_535, description="TCP port to bind.")
    auth: Literal["auto", "required", "off"] = Field(
        "auto",
        description="auto: an API key is required as soon as one exists, and without keys only "
        "loopback clients are served; required: always require a key; off: never check keys "
        "(loopback binds only, for local development).",
    )
    max_request_bytes: int = Field(
        8 << 20,
        ge=1024,
        description="Largest request body accepted, before and after gzip decompression; larger "
        "requests get 413.",
    )
    rate_limit_per_s: float = Field(
        50.0,
        ge=0,
        description="Sustained requests per second allowed per API key: each server process "
        "enforces it with a token bucket, and all replicas sharing the store together enforce "
        "it over server.rate_limit_window_s; 0 turns the limit off.",
    )
    rate_limit_burst: int = Field(
        100,
        ge=1,
        description="Requests an API key may send at once to one server process before the rate "
        "applies.",
    )
    rate_limit_window_s: float = Field(
        10.0,
        gt=0,
        description="Sliding window over which the replicas sharing a store together allow "
        "rate_limit_per_s x rate_limit_window_s requests per API key; every replica must use the "
        "same value.",
    )
    rate_limit_sync_s: float = Field(
        0.5,
        ge=0,
        description="Seconds between a server process's reports of its per-key counts to the "
        "store (in the background, never on a request); the shared limit may be exceeded by "
        "what the other replicas admit in this time. 0: per-process limits only.",
    )
    key_cache_s: float = Field(
        5.0,
        ge=0,
        description="Seconds a verified API key is trusted without a store lookup; a revoked key "
        "stops working within this time.",
    )


class ModelSettings(_Section):
    """One gateway model alias (`[models.<alias>]`): a pinned upstream and its protections."""

    model: str = Field(
        min_length=1, description="The pinned upstream model, e.g. gpt-4o-2024-08-06."
    )
    base_url: str = Field(pattern=r"^https?://", description="The upstream API root including /v1.")
    api_key_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="NAME of the environment variable holding the upstream's API key (never the "
        "key itself); unset sends no key.",
    )
    timeout_s: float = Field(10.0, gt=0, description="Seconds per upstream attempt.")
    deadline_s: float = Field(
        30.0, gt=0, description="Seconds for the whole request, across retries and fallbacks."
    )
    max_attempts: int = Field(
        3, ge=1, le=20, description="Attempts per upstream, retries included."
    )
    retry_wait_s: float = Field(
        0.1, ge=0, description="Base of the jittered exponential wait between retries."
    )
    breaker_failure_rate: float = Field(
        0.5, gt=0, le=1, description="Failure rate that opens the upstream's circuit breaker."
    )
    breaker_min_calls: int = Field(
        10, ge=1, description="Calls in the breaker's window before it may open."
    )
    breaker_cool_down_s: float = Field(
        5.0, gt=0, description="Seconds an open breaker waits before a probe call."
    )
    fallbacks: list[str] = Field(
        default_factory=list,
        description="Other aliases tried in order when this upstream fails (their upstreams, "
        "breakers shared).",
    )
    fallback_message: str | None = Field(
        None, description="A static answer served when every upstream failed."
    )
    escalation_message: str | None = Field(
        None,
        description="The answer sent, inside a normal chat completion with decision escalate, "
        "when an answer is held back for human review; unset: such requests get 503 "
        "escalated_for_review.",
    )
    validators: list[Literal["json"]] = Field(
        default_factory=list, description="Output validators; json: the answer must be JSON."
    )
    scorers: list[Literal["token_probability", "classifier_margin"]] = Field(
        default_factory=list,
        description="Confidence scorers, weighted equally: token_probability (the mean "
        "probability of the answer's tokens), classifier_margin (top-1 minus top-2 probability "
        "of the first token, for one-label answers). Both read log probabilities, which the "
        "gateway asks the upstream for. Without scorers there is no confidence and no routing.",
    )
    serve_at: float = Field(0.75, ge=0, le=1, description="Lowest confidence served plainly.")
    caveat_at: float = Field(
        0.5, ge=0, le=1, description="Lowest confidence served with a caveat; low_confidence below."
    )
    caveat: str | None = Field(
        None,
        min_length=1,
        description="The caveat sent with an answer scored between caveat_at and serve_at "
        "(decision serve_with_caveat, in the surefoot object, never inside the answer's text); "
        "unset: the guard's default.",
    )
    low_confidence: Literal["fallback", "escalate"] = Field(
        "fallback",
        description="Below caveat_at: the next fallback, or a human (the review queue; the "
        "client gets escalation_message, or 503 escalated_for_review).",
    )


class GatewaySettings(_Section):
    """The OpenAI-compatible gateway's request handling."""

    idempotency_ttl_s: float = Field(
        86_400.0,
        gt=0,
        description="Seconds a response is kept for replay under its Idempotency-Key.",
    )
    idempotency_lock_s: float = Field(
        300.0,
        gt=0,
        description="Seconds an in-flight Idempotency-Key is held before a crashed replica's "
        "claim is taken over.",
    )
    idempotency_purge_interval_s: float = Field(
        300.0,
        ge=0,
        description="Seconds between purges of expired Idempotency-Key rows by each server "
        "process; 0 turns the scheduled purge off (`surefoot keys purge-idempotency` still "
        "works).",
    )
    idempotency_purge_batch: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="Rows deleted per purge transaction; a backlog is deleted in several short "
        "transactions so that claims never wait long on the purge.",
    )


class MonitorSettings(_Section):
    """A monitor declared in the config file: a ``[monitors.<name>]`` table."""

    signal: str = Field(description="Signal to watch, e.g. output.json_valid or request.error.")
    method: str = Field(
        "auto",
        description="auto, a drift method (ks, psi, ...), mean_above, mean_below or narrowing.",
    )
    threshold: float | None = Field(
        None, description="Effect size (drift) or bound (mean methods); drift has defaults."
    )
    catalogue_size: int | None = Field(
        None, ge=2, description="narrowing: items that could be output; reference items if unset."
    )
    window_s: float = Field(3600.0, gt=0, description="Seconds per evaluated window.")
    reference_windows: int = Field(24, ge=1, description="Earlier windows forming the reference.")
    severity: Literal["info", "warning", "critical"] = Field(
        "warning", description="Severity of the alert."
    )
    fire_after: int = Field(2, ge=1, description="Consecutive breaches before an alert fires.")
    resolve_after: int = Field(2, ge=1, description="Consecutive passes before it resolves.")
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level of drift tests.")
    source: str = Field(
        "traces",
        description="Profiled source: traces (signals of spans) or a name given to log_batch.",
    )
    runbook: str | None = Field(
        None, description="Runbook link of this monitor's incidents; monitoring.runbook if unset."
    )


class MonitoringSettings(_Section):
    """Stored profiles, incidents and webhook delivery: the ``[monitoring]`` table."""

    profile_window_s: float = Field(
        300.0, gt=0, description="Seconds per stored profile window; monitor windows are multiples."
    )
    lateness_s: float = Field(
        60.0, ge=0, description="Spans starting this long ago or more are profiled from traces."
    )
    correlation_window_s: float = Field(
        1800.0, gt=0, description="Alerts on one source within this many seconds share an incident."
    )
    runbook: str = Field(
        "https://surefoot.readthedocs.io/en/latest/monitor/#runbook",
        description="Runbook link of incidents whose monitors name none.",
    )
    webhook_attempts: int = Field(6, ge=1, description="Delivery attempts per webhook event.")
    webhook_backoff_s: float = Field(
        2.0, gt=0, description="Wait before the second attempt; doubles per attempt."
    )
    webhook_max_backoff_s: float = Field(300.0, gt=0, description="Longest wait between attempts.")
    webhook_timeout_s: float = Field(5.0, gt=0, description="Timeout of one delivery request.")


class WebhookSettings(_Section):
    """Where alert events go: a ``[webhooks.<name>]`` table."""

    url: str = Field(description="HTTP(S) endpoint receiving alert fire/resolve events.")
    kind: Literal["slack", "json"] = Field(
        "json", description="slack ({text, blocks}) or json (the full event, HMAC-signed)."
    )
    min_severity: Literal["info", "warning", "critical"] = Field(
        "warning", description="Events of alerts below this severity are not sent."
    )
    secret: SecretStr | None = Field(
        None, description="json kind: key of the X-Surefoot-Signature HMAC-SHA256 header."
    )


class Settings(BaseSettings):
    """All of surefoot's settings.

    Build it with :meth:`Settings.load` at an edge (CLI, server, ``surefoot.init``) and pass its
    sections down; code below the edges never reads the environment.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        nested_model_default_partial_update=True,
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="Level of surefoot's own log messages."
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    recorder: RecorderSettings = Field(default_factory=RecorderSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    otlp: OtlpSettings = Field(default_factory=OtlpSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    models: dict[str, ModelSettings] = Field(
        default_factory=dict, description="Gateway model aliases: `[models.<alias>]` tables."
    )
    monitors: dict[str, MonitorSettings] = Field(
        default_factory=dict, description="Monitors: `[monitors.<name>]` tables."
    )
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    webhooks: dict[str, WebhookSettings] = Field(
        default_factory=dict, description="Alert webhooks: `[webhooks.<name>]` tables."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The one place the precedence is written: argument > environment > file > default.
        return init_settings, env_settings, _toml_source(settings_cls, _toml_path.get())

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> Settings:
        """Build settings from arguments, the environment and the config file.

        Args:
            config_file: the TOML file to read; default ``SUREFOOT_CONFIG`` or ``./surefoot.toml``.
            overrides: explicit values, highest precedence (nested sections as dicts).

        Raises:
            ConfigError: a value is invalid, or the named file is missing or not valid TOML.
        """
        path = resolve_config_file(config_file)
        token = _toml_path.set(path)
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise ConfigError(_describe_validation_error(exc, path)) from exc
        finally:
            _toml_path.reset(token)


def resolve_config_file(config_file: str | Path | None) -> Path | None:
    """The config file to read, or None when there is none; a named file must exist."""
    named = config_file if config_file is not None else os.environ.get(CONFIG_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(
                f"config file {path} does not exist",
                hint=f"create it, or point {CONFIG_ENV} / --config at an existing file",
            )
        _check_toml(path)
        return path
    if DEFAULT_CONFIG_FILE.is_file():
        _check_toml(DEFAULT_CONFIG_FILE)
        return DEFAULT_CONFIG_FILE
    return None


def _check_toml(path: Path) -> None:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}", hint="fix the syntax at the position named"
        ) from exc


def _toml_source(settings_cls: type[BaseSettings], path: Path | None) -> PydanticBaseSettingsSource:
    return TomlConfigSettingsSource(settings_cls, toml_file=path if path is not None else [])


def _describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    where = f" (sources: arguments, {ENV_PREFIX}* environment" + (f", {path})" if path else ")")
    problems = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        env_name = ENV_PREFIX + "__".join(str(part) for part in err["loc"]).upper()
        problems.append(f"{loc} ({env_name}): {err['msg']}")
    return "invalid settings" + where + ": " + "; ".join(problems)


@dataclass(frozen=True, slots=True)
class SettingOrigin:
    """One effective setting and where its value came from."""

    name: str
    value: str
    source: Literal["argument", "environment", "file", "default"]
    env_var: str
    description: str


def explain_settings(
    settings: Settings, *, config_file: str | Path | None = None, **overrides: Any
) -> list[SettingOrigin]:
    """List every leaf setting, its effective value (secrets masked) and its source.

    Args:
        settings: the effective settings.
        config_file: the same ``config_file`` given to :meth:`Settings.load`.
        overrides: the same explicit overrides given to :meth:`Settings.load`.
    """
    path = resolve_config_file(config_file)
    env_values = EnvSettingsSource(Settings)()
    file_values = _toml_source(Settings, path)()
    layers: list[tuple[Literal["argument", "environment", "file"], Mapping[str, Any]]] = [
        ("argument", overrides),
        ("environment", env_values),
        ("file", file_values),
    ]
    origins = []
    for dotted, value, description in _leaves(settings):
        source: Literal["argument", "environment", "file", "default"] = "default"
        for name, layer in layers:
            if _has_path(layer, dotted):
                source = name
                break
        origins.append(
            SettingOrigin(
                name=".".join(dotted),
                value=_show(dotted, value),
                source=source,
                env_var=ENV_PREFIX + "__".join(dotted).upper(),
                description=description,
            )
        )
    return origins


def _leaves(
    model: BaseModel, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any, str]]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _leaves(value, (*prefix, name))
        else:
            yield (*prefix, name), value, info.description or ""


def _has_path(layer: Mapping[str, Any], dotted: tuple[str, ...]) -> bool:
    node: Any = layer
    for part in dotted:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _show(dotted: tuple[str, ...], value: Any) -> str:
    if isinstance(value, SecretStr):
        return "********"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(dotted, v)}" for k, v in value.items()) + "}"
    if dotted[-1] == "url" and isinstance(value, str):
        return mask_url(value)
    return str(value)


def mask_url(url: str) -> str:
    """Hide the password in a database or HTTP URL.

    Examples:
        >>> mask_url("postgresql+psycopg://app:s3cret@db:5432/surefoot")
        'postgresql+psycopg://app:***@db:5432/surefoot'
        >>> mask_url("sqlite:///.surefoot/surefoot.db")
        'sqlite:///.surefoot/surefoot.db'
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user, colon, _ = creds.partition(":")
    return f"{scheme}://{user}:***@{host}" if colon else url
