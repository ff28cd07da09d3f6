"""Server logging: the chosen format, and the request id on every record."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from entrypoints.http.logs import JsonFormatter, RequestIdFilter, logging_config
from entrypoints.http.middleware import request_id


def _record(message: str, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    record = logging.LogRecord("clientbook.http", logging.ERROR, __file__, 1, message, (), exc_info)
    RequestIdFilter().filter(record)
    return record


def test_records_carry_the_current_request_id() -> None:
    token = request_id.set("req-7")
    try:
        inside = _record("inside")
    finally:
        request_id.reset(token)
    assert inside.request_id == "req-7"  # type: ignore[attr-defined]
    assert _record("outside").request_id == "-"  # type: ignore[attr-defined]


def test_json_lines_hold_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError as error:
        line = JsonFormatter().format(_record("failed", error))
    entry = json.loads(line)
    assert entry["message"] == "failed"
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == "-"
    assert "ValueError: boom" in entry["exception"]


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_the_config_is_valid_for_dictconfig(fmt: str) -> None:
    config = logging_config("warning", fmt)
    stream = io.StringIO()
    config["handlers"]["default"]["stream"] = stream
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.access")]
    saved = [(lg.level, list(lg.handlers), lg.propagate) for lg in loggers]
    try:
        logging.config.dictConfig(config)
        logging.getLogger("clientbook.http").warning("hello %s", "there")
        logging.getLogger("clientbook.http").info("not shown")
    finally:
        for logger, (level, handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
    output = stream.getvalue()
    assert "hello there" in output
    assert "not shown" not in output
    if fmt == "json":
        assert json.loads(output)["message"] == "hello there"
