"""The JVM options a Spark session starts with (decision 0065), read from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shopsight.spark.session import session_config


def test_the_driver_java_options_follow_the_catalog_and_log_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPSIGHT_SPARK_DRIVER_JAVA_OPTIONS", raising=False)
    default = session_config(tmp_path)["spark.driver.extraJavaOptions"].split()
    assert default[0] == f"-Dderby.system.home={tmp_path}" and len(default) == 2

    monkeypatch.setenv(
        "SHOPSIGHT_SPARK_DRIVER_JAVA_OPTIONS", " -XX:TieredStopAtLevel=1  -XX:+UseSerialGC "
    )
    options = session_config(tmp_path)["spark.driver.extraJavaOptions"].split()
    assert options == [*default, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def test_driver_java_options_that_could_quote_or_chain_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPSIGHT_SPARK_DRIVER_JAVA_OPTIONS", '-Dx="a b"; rm -rf /')
    with pytest.raises(ValidationError, match="spark_driver_java_options"):
        session_config(tmp_path)
