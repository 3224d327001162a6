"""Model aliases from ``[models.<alias>]``: validation, routing, fallbacks and /v1/models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import LOOPBACK_CLIENT

from surefoot.core import ConfigError, Settings
from surefoot.server import MAX_FALLBACK_DEPTH, build_gateway, create_app, fallback_chain
from surefoot.store import Store
from surefoot.testing import Fault, FaultServer

BODY = {"messages": [{"role": "user", "content": "hello"}]}


def _models(primary: FaultServer, backup: FaultServer, **chat: Any) -> dict[str, Any]:
    return {
        "chat": {
            "model": "gpt-4o-mini",
            "base_url": primary.base_url,
            "max_attempts": 1,
            "fallbacks": ["backup"],
            **chat,
        },
        "backup": {"model": "small-model", "base_url": backup.base_url, "max_attempts": 1},
    }


def _client(store: Store, models: dict[str, Any]) -> TestClient:
    settings = Settings.load(
        store={"url": str(store.engine.url)}, server={"auth": "off"}, models=models
    )
    return TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT)


def test_aliases_load_from_the_config_file(tmp_path: Path, primary: FaultServer) -> None:
    """A ``[models.chat]`` table in surefoot.toml becomes a guarded alias."""
    path = tmp_path / "surefoot.toml"
    path.write_text(
        f'[models.chat]\nmodel = "gpt-4o-mini"\nbase_url = "{primary.base_url}"\n'
        'api_key_env = "CHAT_KEY"\ntimeout_s = 2\nvalidators = ["json"]\n'
    )
    settings = Settings.load(path)
    gateway = build_gateway(settings.models, {"CHAT_KEY": "sk-test"})
    assert gateway.aliases == ["chat"]
    (lane,) = gateway.guards["chat"].lanes
    assert lane.timeout_s == 2


def test_unknown_fallback_alias_is_a_config_error_naming_it(
    primary: FaultServer, backup: FaultServer
) -> None:
    """A fallback naming no alias stops the build with the alias and field in the message."""
    models = Settings.load(models=_models(primary, backup, fallbacks=["nope"])).models
    with pytest.raises(ConfigError, match=r"models\.chat\.fallbacks names unknown alias 'nope'"):
        build_gateway(models, {})


def test_unset_key_variable_is_a_config_error(primary: FaultServer, backup: FaultServer) -> None:
    """An api_key_env naming an unset variable is refused with the variable's name."""
    models = Settings.load(models=_models(primary, backup, api_key_env="CHAT_KEY")).models
    with pytest.raises(ConfigError, match=r"models\.chat\.api_key_env.*CHAT_KEY is not set"):
        build_gateway(models, {})


def test_a_key_in_place_of_a_variable_name_is_refused(primary: FaultServer) -> None:
    """api_key_env holds a variable NAME; a key pasted there fails validation, unechoed."""
    models = {"chat": {"model": "m", "base_url": primary.base_url, "api_key_env": "sk-live-abc"}}
    with pytest.raises(ConfigError, match=r"models\.chat\.api_key_env"):
        Settings.load(models=models)


def test_inverted_thresholds_are_a_config_error(primary: FaultServer, backup: FaultServer) -> None:
    """caveat_at above serve_at is refused, naming the alias."""
    models = Settings.load(models=_models(primary, backup, serve_at=0.4, caveat_at=0.6)).models
    with pytest.raises(ConfigError, match=r"models\.chat\.caveat_at"):
        build_gateway(models, {})


def test_confidence_settings_without_scorers_are_refused(primary: FaultServer) -> None:
    """serve_at with nothing to score answers would silently do nothing: refused, naming it."""
    models = {"chat": {"model": "m", "base_url": primary.base_url, "serve_at": 0.9}}
    with pytest.raises(ConfigError, match=r"models\.chat\.serve_at has no effect") as caught:
        build_gateway(Settings.load(models=models).models, {})
    assert 'scorers = ["token_probability"]' in str(caught.value)


def test_an_escalation_message_nothing_could_send_is_refused(primary: FaultServer) -> None:
    """escalation_message without low_confidence = "escalate" would never be sent: refused."""
    models = {"chat": {"model": "m", "base_url": primary.base_url, "escalation_message": "Soon."}}
    with pytest.raises(ConfigError, match=r"models\.chat\.escalation_message would never"):
        build_gateway(Settings.load(models=models).models, {})


def test_models_lists_the_aliases(store: Store, primary: FaultServer, backup: FaultServer) -> None:
    """GET /v1/models answers OpenAI's list with one entry per alias."""
    with _client(store, _models(primary, backup)) as client:
        listed = client.get("/v1/models").json()
    assert [m["id"] for m in listed["data"]] == ["backup", "chat"]


def test_alias_pins_its_upstream_model(
    store: Store, primary: FaultServer, backup: FaultServer
) -> None:
    """A request to an alias reaches its upstream with the pinned model."""
    with _client(store, _models(primary, backup)) as client:
        response = client.post("/v1/chat/completions", json={"model": "chat", **BODY})
    assert response.status_code == 200
    assert (primary.requests[0].body or {})["model"] == "gpt-4o-mini"
    assert response.headers["x-surefoot-served-by"] == "chat"


def test_outage_falls_back_to_the_next_alias(
    store: Store, primary: FaultServer, backup: FaultServer
) -> None:
    """With the primary down, the fallback alias answers and the headers say so."""
    primary.inject(Fault.unavailable())
    with _client(store, _models(primary, backup)) as client:
        response = client.post("/v1/chat/completions", json={"model": "chat", **BODY})
    assert response.status_code == 200
    assert response.headers["x-surefoot-served-by"] == "backup"
    assert backup.count() == 1


def test_static_message_is_the_last_resort(
    store: Store, primary: FaultServer, backup: FaultServer
) -> None:
    """With every upstream down, the alias's fallback_message is served as a fallback."""
    primary.inject(Fault.unavailable())
    backup.inject(Fault.unavailable())
    models = _models(primary, backup, fallback_message="Busy; try again soon.")
    with _client(store, models) as client:
        response = client.post("/v1/chat/completions", json={"model": "chat", **BODY})
    assert response.json()["choices"][0]["message"]["content"] == "Busy; try again soon."
    assert response.headers["x-surefoot-decision"] == "fallback"


def test_unknown_model_is_a_404_naming_the_list(
    store: Store, primary: FaultServer, backup: FaultServer
) -> None:
    """A model that is no alias gets OpenAI's model_not_found, pointing at /v1/models."""
    with _client(store, _models(primary, backup)) as client:
        response = client.post("/v1/chat/completions", json={"model": "gpt-5", **BODY})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"
    assert "/v1/models" in response.json()["error"]["message"]


def _chain_models(links: dict[str, list[str]]) -> dict[str, Any]:
    return {
        alias: {"model": "m", "base_url": "http://127.0.0.1:9/v1", "fallbacks": fallbacks}
        for alias, fallbacks in links.items()
    }


def test_fallbacks_are_followed_transitively_each_alias_once() -> None:
    """A fallback's own fallbacks join the chain depth first, and a shared one is tried once."""
    models = Settings.load(
        models=_chain_models({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []})
    ).models
    assert fallback_chain("a", models) == ["a", "b", "d", "c"]
    guard = build_gateway(models, {}).guard_for("a")
    assert guard is not None
    assert [lane.name for lane in guard.lanes] == ["a", "b", "d", "c"]


def test_a_fallback_cycle_is_a_config_error_naming_it() -> None:
    """Fallbacks that lead back to an alias stop the build with the cycle spelled out."""
    models = Settings.load(models=_chain_models({"a": ["b"], "b": ["c"], "c": ["a"]})).models
    with pytest.raises(ConfigError, match=r"cycle: a -> b -> c -> a"):
        build_gateway(models, {})


def test_an_alias_listing_itself_is_a_cycle() -> None:
    """An alias among its own fallbacks is the shortest cycle."""
    models = Settings.load(models=_chain_models({"a": ["a"]})).models
    with pytest.raises(ConfigError, match=r"cycle: a -> a"):
        fallback_chain("a", models)


def test_a_fallback_chain_deeper_than_the_limit_is_refused() -> None:
    """A chain longer than MAX_FALLBACK_DEPTH aliases is a config error, not a slow request."""
    names = [f"m{i}" for i in range(MAX_FALLBACK_DEPTH + 2)]
    links = {name: names[i + 1 : i + 2] for i, name in enumerate(names)}
    models = Settings.load(models=_chain_models(links)).models
    with pytest.raises(ConfigError, match="deeper than"):
        fallback_chain("m0", models)
    assert len(fallback_chain("m1", models)) == MAX_FALLBACK_DEPTH + 1
