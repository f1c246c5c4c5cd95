import pytest


@pytest.fixture(autouse=True)
def media_of_this_test(settings, tmp_path):
    """Each test's releases in a media folder of its own: the database is rolled back after a test, files
    are not, and a release never writes over a file that exists."""
    settings.MEDIA_ROOT = tmp_path / "media"
