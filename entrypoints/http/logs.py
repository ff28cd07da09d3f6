"""Log records as the operator asked for (``CLIENTBOOK_LOG_FORMAT``), each with the
request id of the request that produced it, so a 500's ``request_id`` finds its traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from entrypoints.http.middleware import request_id

CONSOLE_FORMAT = "%(asctime)s %(levelname)-8s %(process)d %(name)s [%(request_id)s] %(message)s"
# Set on access records (entrypoints.http.middleware): top-level keys in JSON lines.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
_DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy", "redis")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "pid": record.process,
        }
        for key in ACCESS_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def logging_config(level: str = "INFO", fmt: str = "console") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server, uvicorn's own loggers included."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": CONSOLE_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "default",
        "filters": ["request_id"],
    }
    quiet = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": quiet,
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": quiet,
            # Database drivers log statements with their parameters (password hashes,
            # refresh-token hashes) at DEBUG/INFO: never below WARNING, whatever the level.
            **{name: {"level": "WARNING"} for name in _DRIVER_LOGGERS},
        },
        "root": {"handlers": ["default"], "level": level.upper()},
    }
