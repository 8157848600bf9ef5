"""Secrets never reach a log line: not even from a traceback's local variables."""

from __future__ import annotations

import logging

import pytest

from finsight.config import Settings
from finsight.observability.logging import configure_logging, get_logger


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_logged_exception_shows_no_local_variables(capsys, log_format):
    configure_logging(Settings(log_format=log_format, log_level="INFO"))
    try:

        def sign_in() -> None:
            password = "hunter2-do-not-log"  # noqa: F841 (a local a rich traceback would print)
            raise RuntimeError("sign-in failed")

        sign_in()
    except RuntimeError:
        get_logger("test").exception("request.failed")
    finally:
        logging.getLogger().handlers.clear()
    output = capsys.readouterr().err
    assert "request.failed" in output and "sign-in failed" in output
    assert "hunter2-do-not-log" not in output
