"""The JVM options a Spark session starts with (decision 0065), read from the settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shopsight.spark.session import session_config

from support import shopsight


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


def test_driver_java_options_that_could_quote_or_chain_are_refused_in_one_line() -> None:
    environment = {**os.environ, "SHOPSIGHT_SPARK_DRIVER_JAVA_OPTIONS": '-Dx="a b"; rm -rf /'}
    result = shopsight("status", env=environment)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: SHOPSIGHT_SPARK_DRIVER_JAVA_OPTIONS: String should match pattern "
        "'^[-+:=.,/@%\\w ]*$'"
    )
    assert "rm -rf" not in result.stdout + result.stderr
