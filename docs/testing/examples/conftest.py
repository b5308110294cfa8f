# conftest.py: markers, a device fixture and a seed fixture shared by all tests here
import pytest
import torch

CUDA = torch.cuda.is_available()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds, deselect with -m 'not slow'")
    config.addinivalue_line("markers", "gpu: needs a CUDA device")
    config.addinivalue_line("markers", "distributed: starts several processes")


def pytest_collection_modifyitems(config, items):
    # gpu tests are skipped, not failed, on a machine without CUDA
    if CUDA:
        return
    skip = pytest.mark.skip(reason="no CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request):
    return torch.device(request.param)


@pytest.fixture(autouse=True)
def seed():
    # every test starts from the same random state, whatever ran before it
    torch.manual_seed(1234)
