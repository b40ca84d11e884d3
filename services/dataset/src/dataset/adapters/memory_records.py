"""Dataset records in memory, for tests (the port suite holds it to MongoDB's behaviour)."""

import copy


class MemoryDatasetRecords:
    def __init__(self) -> None:
        self.datasets: dict[str, dict] = {}

    async def save(self, dataset_id: str, record: dict) -> None:
        self.datasets[dataset_id] = copy.deepcopy(record)

    async def get(self, dataset_id: str) -> dict | None:
        return copy.deepcopy(self.datasets.get(dataset_id))

    async def due_originals(self, now: float) -> list[tuple[str, list[str]]]:
        return [
            (dataset_id, list(record.get("originals", [])))
            for dataset_id, record in self.datasets.items()
            if record.get("originals_deleted_at") is None
            and record.get("originals_due_at", float("inf")) <= now
        ]

    async def originals_deleted(self, dataset_id: str, now: float) -> None:
        self.datasets[dataset_id]["originals_deleted_at"] = now
