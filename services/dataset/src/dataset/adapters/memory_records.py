"""Dataset records in memory, for tests (the port suite holds it to MongoDB's behaviour)."""

import copy


class MemoryDatasetRecords:
    def __init__(self) -> None:
        self.datasets: dict[str, dict] = {}

    async def save(self, dataset_id: str, record: dict) -> None:
        self.datasets[dataset_id] = copy.deepcopy(record)

    async def get(self, dataset_id: str) -> dict | None:
        return copy.deepcopy(self.datasets.get(dataset_id))
