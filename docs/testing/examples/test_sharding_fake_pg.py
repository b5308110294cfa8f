# test_sharding_fake_pg.py: sharding logic of a 4-rank job, in one CPU process
import pytest
import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import Replicate, Shard, distribute_tensor
from torch.testing._internal.distributed.fake_pg import FakeStore


@pytest.fixture(params=[0, 3], ids=lambda r: f"rank{r}")
def fake_world(request):
    # the "fake" backend accepts every collective and returns at once: no peers,
    # no data exchange, so only shapes, placements and rank logic are tested
    dist.init_process_group("fake", store=FakeStore(), rank=request.param, world_size=4)
    yield request.param
    dist.destroy_process_group()


def test_2d_mesh_shards_rows_across_tp(fake_world):
    mesh = init_device_mesh("cpu", (2, 2), mesh_dim_names=("dp", "tp"))
    weight = torch.arange(64.0).reshape(8, 8)
    dweight = distribute_tensor(weight, mesh, [Replicate(), Shard(0)])
    assert dweight.shape == (8, 8)                   # global view
    assert dweight.to_local().shape == (4, 8)        # this rank's piece
    tp_rank = mesh["tp"].get_local_rank()
    assert tp_rank == fake_world % 2


def test_fully_shard_splits_dim0_over_dp(fake_world):
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh("cpu", (4,), mesh_dim_names=("dp",))
    model = torch.nn.Linear(16, 10)                  # 10 rows over 4 ranks: uneven
    fully_shard(model, mesh=mesh)
    local_rows = model.weight.to_local().shape[0]
    # FSDP2 pads dim 0 to a multiple of the world size: 3, 3, 3, 1 rows
    assert local_rows == (3 if fake_world < 3 else 1)
    assert model.weight.shape == (10, 16)
