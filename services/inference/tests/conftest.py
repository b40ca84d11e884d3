import pytest

from aitrain_local import servers


@pytest.fixture
def s3(embedded):
    """A client of the test session's S3 server."""
    return servers.s3_client(embedded.s3_endpoint, embedded.s3)
