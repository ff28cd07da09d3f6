"""Operational use cases."""

from __future__ import annotations

from domain.ports import Storage


class CheckReadiness:
    """Ready means the storage answers; ``StorageUnavailable`` propagates otherwise."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def execute(self) -> None:
        await self._storage.ping()
