# test_dtensor_gloo.py: real collectives between 2 CPU processes over gloo
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    mesh = init_device_mesh("cpu", (world,))
    torch.manual_seed(0)                             # same full tensors on every rank
    a, b = torch.randn(8, 6), torch.randn(6, 4)
    da = distribute_tensor(a, mesh, [Shard(0)])      # row-sharded activations
    db = distribute_tensor(b, mesh, [Replicate()])   # replicated weight
    out = (da @ db).redistribute(mesh, [Replicate()]).to_local()
    torch.testing.assert_close(out, a @ b)
    dist.barrier()
    dist.destroy_process_group()


@pytest.mark.slow
@pytest.mark.distributed
def test_sharded_matmul_equals_full_matmul():
    # an exception in a worker makes start_processes() raise here, so the test
    # fails; "fork" skips re-importing torch in the children (CPU only: never
    # fork a process that has already initialised CUDA)
    mp.start_processes(_worker, args=(2, free_port()), nprocs=2, join=True,
                       start_method="fork")
