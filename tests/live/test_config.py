"""Connection settings from Snowflake's own configuration: environment, connections.toml / config.toml, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake.connector.errors import DatabaseError

from snowsim.simulator.live.config import (
    NO_CONFIGURATION,
    LiveConfigError,
    open_connection,
    resolve_settings,
    snowflake_home,
)
from snowsim.simulator.runner import exit_code

SECRET = "pw-Zq81!not-for-logs"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    # An empty Snowflake home: no connections.toml / config.toml unless the test writes one.
    home = tmp_path / "sfhome"
    home.mkdir(exist_ok=True)
    return {"HOME": str(tmp_path), "SNOWFLAKE_HOME": str(home), **values}


def test_environment_password_settings_pass_through_and_never_show_the_secret(tmp_path):
    env = _env(tmp_path, SNOWFLAKE_ACCOUNT="xy12345", SNOWFLAKE_USER="ALICE", SNOWFLAKE_PASSWORD=SECRET,
               SNOWFLAKE_ROLE="SIM_ROLE", SNOWFLAKE_WAREHOUSE="SIM_WH")
    settings = resolve_settings(env=env)
    seen: dict = {}
    open_connection(settings, lambda **kw: seen.update(kw), {"QUERY_TAG": "t"})
    assert seen["password"] == SECRET and seen["account"] == "xy12345" and seen["warehouse"] == "SIM_WH"
    assert seen["session_parameters"] == {"QUERY_TAG": "t"}
    assert settings.warehouse == "SIM_WH"
    for text in (repr(settings), str(settings), settings.describe()):
        assert SECRET not in text
    assert "account xy12345" in settings.describe() and "user ALICE" in settings.describe()


def test_key_pair_oauth_and_externalbrowser_from_environment(tmp_path):
    key = resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_USER="u",
                                    SNOWFLAKE_PRIVATE_KEY_FILE="/keys/rsa.p8", SNOWFLAKE_PRIVATE_KEY_FILE_PWD=SECRET))
    assert key.params["authenticator"] == "SNOWFLAKE_JWT" and key.params["private_key_file_pwd"] == SECRET
    assert SECRET not in key.describe() and key.secrets() == [SECRET]
    oauth = resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_AUTHENTICATOR="oauth",
                                      SNOWFLAKE_TOKEN=SECRET))
    assert oauth.params["token"] == SECRET and SECRET not in oauth.describe()
    browser = resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_USER="u",
                                        SNOWFLAKE_AUTHENTICATOR="externalbrowser"))
    assert browser.params["authenticator"] == "externalbrowser" and "password" not in browser.params
    with pytest.raises(LiveConfigError, match="SNOWFLAKE_TOKEN"):
        resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_AUTHENTICATOR="oauth"))
    with pytest.raises(LiveConfigError, match="no credential"):
        resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_USER="u"))


def test_missing_configuration_is_one_line_and_exit_code_2(tmp_path):
    with pytest.raises(LiveConfigError) as info:
        resolve_settings(env=_env(tmp_path))
    assert str(info.value) == NO_CONFIGURATION and "\n" not in str(info.value)
    assert exit_code(info.value) == 2


def test_named_and_default_connections_from_toml_files(tmp_path):
    env = _env(tmp_path)
    home = Path(env["SNOWFLAKE_HOME"])
    (home / "connections.toml").write_text(
        f'[dev]\naccount = "devacct"\nuser = "BOB"\npassword = "{SECRET}"\nwarehouse = "DEV_WH"\n'
        '[prod]\naccount = "prodacct"\nuser = "BOB"\nauthenticator = "externalbrowser"\n', encoding="utf-8")
    (home / "config.toml").write_text('default_connection_name = "prod"\n', encoding="utf-8")
    named = resolve_settings("dev", env=env)
    # The name goes to the connector, which reads the file itself: no secret is copied out of it.
    assert named.params == {"connection_name": "dev"} and named.warehouse == "DEV_WH"
    assert SECRET not in repr(named) and SECRET not in named.describe() and "devacct" in named.describe()
    default = resolve_settings(env=env)
    assert default.params == {"connection_name": "prod"} and "default_connection_name" in default.source
    by_env = resolve_settings(env={**env, "SNOWFLAKE_DEFAULT_CONNECTION_NAME": "dev"})
    assert by_env.params == {"connection_name": "dev"}
    overridden = resolve_settings("dev", warehouse="OTHER_WH", env=env)
    assert overridden.params == {"connection_name": "dev", "warehouse": "OTHER_WH"}
    with pytest.raises(LiveConfigError, match=r"'qa' not found .*known: dev, prod"):
        resolve_settings("qa", env=env)


def test_home_folder_rules(tmp_path):
    assert snowflake_home({"SNOWFLAKE_HOME": str(tmp_path / "x")}) == tmp_path / "x"
    (tmp_path / ".snowflake").mkdir()
    assert snowflake_home({"HOME": str(tmp_path)}) == tmp_path / ".snowflake"


def test_a_failed_connect_is_one_scrubbed_line(tmp_path):
    settings = resolve_settings(env=_env(tmp_path, SNOWFLAKE_ACCOUNT="a", SNOWFLAKE_USER="u",
                                         SNOWFLAKE_PASSWORD=SECRET))

    def refuse(**kwargs):
        raise DatabaseError(msg=f"Incorrect username or password was specified (password {kwargs['password']})",
                            errno=250001)

    with pytest.raises(LiveConfigError) as info:
        open_connection(settings, refuse, {})
    assert SECRET not in str(info.value) and "***" in str(info.value) and "\n" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
