"""Connection settings for the live target, from Snowflake's own configuration; secrets never leave this module.

Where the settings come from, first match wins:
1. an explicit connection name (``--connection NAME``): passed through as ``connect(connection_name=NAME)``, so the
   connector itself reads connections.toml / config.toml (and its SNOWFLAKE_CONNECTIONS_<NAME>_* overrides);
2. SNOWFLAKE_ACCOUNT in the environment: SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_FILE(_PWD),
   SNOWFLAKE_AUTHENTICATOR (externalbrowser, oauth with SNOWFLAKE_TOKEN, snowflake_jwt), SNOWFLAKE_ROLE and
   SNOWFLAKE_WAREHOUSE become connect() arguments;
3. SNOWFLAKE_DEFAULT_CONNECTION_NAME, else config.toml's default_connection_name, else the [default] connection,
   when a connections.toml or config.toml exists in the Snowflake home folder.
Anything else is one clear error line. Only non-secret fields (account, user, role, warehouse, authenticator) are
ever read back from the TOML files, and only to describe the connection and to plan without connecting.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snowsim.simulator.results import RunConfigError

# Connection parameters that carry secrets (names as snowflake.connector.connect takes them).
SECRET_PARAMS = ("password", "private_key_file_pwd", "token", "passcode", "oauth_client_secret")
_DESCRIBED = ("account", "user", "role", "warehouse", "authenticator")
_ENV = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",
    "private_key_file": "SNOWFLAKE_PRIVATE_KEY_FILE",
    "private_key_file_pwd": "SNOWFLAKE_PRIVATE_KEY_FILE_PWD",
    "authenticator": "SNOWFLAKE_AUTHENTICATOR",
    "token": "SNOWFLAKE_TOKEN",
    "role": "SNOWFLAKE_ROLE",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
}
NO_CONFIGURATION = (
    "no Snowflake connection configured: pass --connection NAME (a connection of connections.toml or config.toml), "
    "or set SNOWFLAKE_ACCOUNT and SNOWFLAKE_USER with SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_FILE, "
    "SNOWFLAKE_AUTHENTICATOR=externalbrowser, or SNOWFLAKE_AUTHENTICATOR=oauth with SNOWFLAKE_TOKEN"
)


class LiveConfigError(RunConfigError):
    """The live target cannot be configured or reached; the message is one line and holds no secret."""


@dataclass(frozen=True)
class ConnectionSettings:
    """How to connect: connect() keyword arguments plus a safe description; repr() never shows a secret."""

    source: str  # where the settings came from, e.g. "connection 'dev' (connections.toml)"
    params: dict[str, Any] = field(repr=False)  # connect() arguments, secrets included
    described: dict[str, str] = field(default_factory=dict)  # non-secret fields known before connecting

    @property
    def warehouse(self) -> str | None:
        """The warehouse named by the configuration (None: the user's default, asked after connecting)."""
        return self.described.get("warehouse")

    def secrets(self) -> list[str]:
        """The secret values, for scrubbing any text before it is shown."""
        return [str(self.params[k]) for k in SECRET_PARAMS if self.params.get(k)]

    def with_overrides(self, **values: str | None) -> ConnectionSettings:
        """A copy with warehouse/role replaced (None keeps the configured one)."""
        given = {k: v for k, v in values.items() if v}
        return ConnectionSettings(self.source, {**self.params, **given}, {**self.described, **given})

    def describe(self) -> str:
        """One line naming the account, user, role, warehouse and authenticator: never a secret."""
        parts = [f"{k} {self.described[k]}" for k in _DESCRIBED if self.described.get(k)]
        return f"{self.source}: " + (", ".join(parts) if parts else "details read by snowflake-connector-python")


def scrub(text: str, secrets: list[str]) -> str:
    """The text with every secret value replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


# ---------------------------------------------------------------- Snowflake's configuration files


def snowflake_home(env: Mapping[str, str] | None = None) -> Path:
    """The folder of connections.toml / config.toml, as the connector and Snowflake CLI look for it."""
    env = os.environ if env is None else env
    if env.get("SNOWFLAKE_HOME"):
        return Path(env["SNOWFLAKE_HOME"]).expanduser()
    home = Path(env.get("HOME") or Path.home())
    legacy = home / ".snowflake"
    if legacy.is_dir():
        return legacy
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "snowflake"
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "snowflake"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "snowflake"


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problem = type(exc).__name__
    # Name the file and the problem only, outside the except block: a TOML error can quote a line holding a secret.
    raise LiveConfigError(f"{path}: cannot be read as TOML ({problem})")


def _connections(home: Path) -> tuple[dict[str, dict[str, Any]], str | None, list[Path]]:
    """(connections by name, config.toml's default_connection_name, files found); connections.toml wins."""
    found, connections, default = [], {}, None
    config = home / "config.toml"
    if config.is_file():
        found.append(config)
        data = _toml(config)
        default = data.get("default_connection_name")
        connections.update({k: v for k, v in (data.get("connections") or {}).items() if isinstance(v, dict)})
    conn_file = home / "connections.toml"
    if conn_file.is_file():
        found.append(conn_file)
        connections.update({k: v for k, v in _toml(conn_file).items() if isinstance(v, dict)})
    return connections, default, found


def _from_connection(name: str, env: Mapping[str, str], home: Path, how: str) -> ConnectionSettings:
    connections, _, found = _connections(home)
    profile = connections.get(name)
    override = f"SNOWFLAKE_CONNECTIONS_{name.upper()}_ACCOUNT"
    if profile is None and not env.get(override):
        where = ", ".join(str(p) for p in found) or f"{home} (no connections.toml or config.toml there)"
        known = ", ".join(sorted(connections)) or "none"
        raise LiveConfigError(f"Snowflake connection {name!r} not found in {where} (known: {known})")
    described = {k: str(profile[k]) for k in _DESCRIBED if profile and profile.get(k)}
    files = "/".join(p.name for p in found) or "connector configuration"
    return ConnectionSettings(f"connection {name!r} ({files}, {how})", {"connection_name": name}, described)


def _from_environment(env: Mapping[str, str]) -> ConnectionSettings:
    params = {key: env[var] for key, var in _ENV.items() if env.get(var)}
    auth = params.get("authenticator", "").lower()
    if not params.get("user") and auth != "oauth":
        raise LiveConfigError("SNOWFLAKE_ACCOUNT is set but SNOWFLAKE_USER is not")
    if auth == "oauth" and not params.get("token"):
        raise LiveConfigError("SNOWFLAKE_AUTHENTICATOR=oauth needs SNOWFLAKE_TOKEN")
    if params.get("private_key_file") and not auth:
        params["authenticator"] = "SNOWFLAKE_JWT"  # key-pair authentication (docs: python-connector key pair)
    elif not auth and not params.get("password"):
        raise LiveConfigError(
            "SNOWFLAKE_ACCOUNT is set but no credential is: set SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY_FILE, "
            "SNOWFLAKE_AUTHENTICATOR=externalbrowser, or SNOWFLAKE_AUTHENTICATOR=oauth with SNOWFLAKE_TOKEN"
        )
    described = {k: str(params[k]) for k in _DESCRIBED if params.get(k)}
    return ConnectionSettings("environment (SNOWFLAKE_*)", params, described)


def resolve_settings(
    connection_name: str | None = None,
    *,
    warehouse: str | None = None,
    role: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ConnectionSettings:
    """The settings a live run connects with (see the module doc for the order); LiveConfigError when none."""
    env = os.environ if env is None else env
    home = snowflake_home(env)
    if connection_name:
        settings = _from_connection(connection_name, env, home, "--connection")
    elif env.get("SNOWFLAKE_ACCOUNT"):
        settings = _from_environment(env)
    elif env.get("SNOWFLAKE_DEFAULT_CONNECTION_NAME"):
        settings = _from_connection(env["SNOWFLAKE_DEFAULT_CONNECTION_NAME"], env, home,
                                    "SNOWFLAKE_DEFAULT_CONNECTION_NAME")
    else:
        connections, default, found = _connections(home)
        if not found:
            raise LiveConfigError(NO_CONFIGURATION)
        name = str(default or "default")
        how = "default_connection_name" if default else "the default connection"
        settings = _from_connection(name, env, home, how)
    return settings.with_overrides(warehouse=warehouse, role=role)


def open_connection(
    settings: ConnectionSettings, factory: Callable[..., Any] | None, session_parameters: dict[str, Any]
) -> Any:
    """Connect through `factory` (default snowflake.connector.connect); a failure is one scrubbed line."""
    if factory is None:
        import snowflake.connector  # noqa: PLC0415 - the network client loads only for live runs

        factory = snowflake.connector.connect
    try:
        return factory(**settings.params, session_parameters=dict(session_parameters))
    except Exception as exc:  # noqa: BLE001 - any connect failure (auth, network, bad profile) ends the run the same way
        text = scrub(" ".join(str(getattr(exc, "raw_msg", None) or exc).split()), settings.secrets())
    # Raised outside the except block: the connector's exception (which may quote a secret) is not even kept as
    # __context__, so no traceback printer can show it.
    raise LiveConfigError(f"cannot connect to Snowflake with {settings.source}: {text}")
