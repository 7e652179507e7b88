"""The async MongoDB client every service uses: PyMongo's own AsyncMongoClient.

Motor's maintainers deprecated it in favour of this API, and PyMongo's OpenTelemetry
instrumentation covers it. Time-outs are short so that a stopped database turns into a
quick 503 instead of a hanging request.
"""

from __future__ import annotations

from pymongo import AsyncMongoClient


def create_client(url: str, *, timeout_ms: int = 3000) -> AsyncMongoClient:
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms * 3, 10000),
    )
