from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import DEFAULT_MAX_UPLOAD_BYTES, load_settings


def test_defaults_are_the_embedded_setup(tmp_path: Path) -> None:
    settings = load_settings({"SHUDU_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'shudu.db'}"
    assert settings.search_url is None
    assert settings.max_upload_bytes == DEFAULT_MAX_UPLOAD_BYTES == 2 * 1024**3
    assert settings.base_url == "http://127.0.0.1:8000"


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"SHUDU_DATA_DIR": str(tmp_path)})
    second = load_settings({"SHUDU_DATA_DIR": str(tmp_path)})
    assert str(first.secret_key) == str(second.secret_key)
    assert len(str(first.secret_key)) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert str(first.secret_key) not in repr(first)  # Secret hides itself


def test_postgres_urls_get_the_psycopg_driver(tmp_path: Path) -> None:
    settings = load_settings(
        {"SHUDU_DATA_DIR": str(tmp_path), "SHUDU_DATABASE_URL": "postgresql://u@h/db"}
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHUDU_DATABASE_URL", "mysql://root@localhost/x"),
        ("SHUDU_SEARCH_URL", "localhost:9200"),
        ("SHUDU_BASE_URL", "ftp://example.org"),
        ("SHUDU_MAX_UPLOAD_BYTES", "lots"),
        ("SHUDU_MAX_UPLOAD_BYTES", "-5"),
        ("SHUDU_SECRET_KEY", "short"),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_it(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({"SHUDU_DATA_DIR": str(tmp_path), name: value})


def test_checkpoint_interval(tmp_path: Path) -> None:
    assert load_settings({"SHUDU_DATA_DIR": str(tmp_path)}).checkpoint_interval == 10
    given = load_settings({"SHUDU_DATA_DIR": str(tmp_path), "SHUDU_CHECKPOINT_INTERVAL": "0.5"})
    assert given.checkpoint_interval == 0.5
    for bad in ("soon", "0", "-1", "7200"):
        with pytest.raises(ConfigError, match="SHUDU_CHECKPOINT_INTERVAL"):
            load_settings({"SHUDU_DATA_DIR": str(tmp_path), "SHUDU_CHECKPOINT_INTERVAL": bad})
