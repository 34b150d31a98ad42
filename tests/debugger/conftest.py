import pytest


@pytest.fixture
def run_dir(tmp_path) -> str:
    return str(tmp_path / "run")
