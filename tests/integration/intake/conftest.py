import pytest

from tests.fixtures import intake_store


@pytest.fixture
def intake_dir(intake_template, tmp_path, settings):
    """This test's own copy of the tiny store, as the web app's DATA_DIR."""
    settings.DATA_DIR = intake_store.copy_to(intake_template, tmp_path / "data")
    return settings.DATA_DIR
