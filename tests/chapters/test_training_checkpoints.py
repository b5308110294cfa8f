"""Tests for the fault-tolerance, checkpoints and reproducibility pages of the training part.

The scripts run on the CPU (gloo for the two-rank cases). Where a page quotes a command and its
output, the command is taken from the page and the output compared with the quoted block, in
both languages.
"""

import json
import re
import shlex
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "training"
CONTROL = DOCS / "control_flags.py"
RESUME = DOCS / "resume_demo.py"
DCP_DEMO = DOCS / "dcp_demo.py"
CONVERT = DOCS / "dcp_to_safetensors.py"


def run(args, timeout=240):
    return run_python([*map(str, args)], capture_output=True, text=True,
                      timeout=timeout, cwd=ROOT)


def quoted(page: str, script: str):
    """Return (command argv after the script, quoted output) from both language versions."""
    found = []
    for name in (f"{page}.md", f"{page}.en.md"):
        text = (DOCS / name).read_text(encoding="utf-8")
        m = re.search(r"```bash\n(python docs/training/" + re.escape(script) + r"[^\n]*)\n```\s*\n"
                      r"```text\n(.*?)```", text, flags=re.S)
        assert m, f"{name}: no command for {script} followed by a text block"
        found.append((m.group(1), m.group(2)))
    assert found[0] == found[1], f"{page}: the two languages quote different commands or output"
    command, output = found[0]
    return shlex.split(command)[2:], output


# --------------------------------------------------------------------------- control_flags.py

def test_control_flags_page_command_and_output(tmp_path):
    args, expected = quoted("fault-tolerance", "control_flags.py")
    i = args.index("--dir")
    args[i + 1] = str(tmp_path / "ctl")  # the page's /tmp/ctl, but private to this test
    result = run([CONTROL, *args])
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_control_flags_kill_does_not_save(tmp_path):
    result = run([CONTROL, "--dir", tmp_path, "--steps", "20", "--every", "4",
                  "--touch", "6:KILL"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "rank 0 step 8: KILL, exiting without a checkpoint"
    assert "checkpoint saved" not in result.stdout
    assert lines[-1] == "flags left in the control directory: KILL"


def test_control_flags_poll_and_consume(tmp_path):
    sys.path.insert(0, str(DOCS))
    try:
        import control_flags as cf
    finally:
        sys.path.pop(0)
    flags = cf.ControlFlags(tmp_path, every=3)
    assert flags.poll(3) == 0
    (tmp_path / "SAVE").touch()
    assert flags.poll(4) == 0  # not a checking step: the file system is not read
    assert flags.poll(6) == cf.SAVE
    flags.consume_save()
    assert not (tmp_path / "SAVE").exists()
    (tmp_path / "STOP").touch()
    (tmp_path / "KILL").touch()
    assert flags.poll(9) == cf.STOP | cf.KILL


def test_control_flags_rejects_bad_touch(tmp_path):
    result = run([CONTROL, "--dir", tmp_path, "--touch", "5:PAUSE"])
    assert result.returncode != 0
    assert "STEP:SAVE|STOP|KILL" in result.stderr


# --------------------------------------------------------------------------- resume_demo.py

def test_resume_demo_matches_page():
    args, expected = quoted("reproducibility", "resume_demo.py")
    result = run([RESUME, *args])
    assert result.returncode == 0, result.stderr
    assert "resumed: identical to uninterrupted at every step (bit for bit)" in result.stdout
    assert "naive: first differs at step 6" in result.stdout
    assert result.stdout == expected


def test_resume_demo_other_split():
    result = run([RESUME, "--steps", "10", "--save-at", "8"])
    assert result.returncode == 0, result.stderr
    assert "resumed: identical to uninterrupted at every step (bit for bit)" in result.stdout
    assert "naive: first differs at step 9" in result.stdout


def test_resume_demo_rejects_bad_split():
    result = run([RESUME, "--steps", "5", "--save-at", "5"])
    assert result.returncode != 0
    assert "--save-at" in result.stderr


# --------------------------------------------------------------------------- dcp_demo.py

def test_dcp_demo_matches_page(tmp_path):
    args, expected = quoted("fault-tolerance", "dcp_demo.py")
    page_dir = args[args.index("--dir") + 1]
    args[args.index("--dir") + 1] = str(tmp_path / "dcp")
    result = run([DCP_DEMO, *args], timeout=420)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.replace(str(tmp_path / "dcp"), page_dir) == expected
    assert (tmp_path / "dcp" / "step-3" / ".metadata").is_file()


# --------------------------------------------------------------------------- dcp_to_safetensors.py

def read_safetensors(path: Path):
    """An independent minimal reader: {name: tensor} and the metadata."""
    import torch

    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16,
              "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out, meta


@pytest.fixture(scope="module")
def tiny_dcp(tmp_path_factory):
    """A DCP checkpoint of a tiny model (plus optimizer state), written in one process."""
    import torch
    import torch.distributed.checkpoint as dcp

    root = tmp_path_factory.mktemp("tiny-dcp")
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Embedding(11, 6), torch.nn.Linear(6, 5),
                                torch.nn.LayerNorm(5))
    model.register_buffer("positions", torch.arange(4, dtype=torch.int64))
    opt = torch.optim.AdamW(model.parameters())
    model[1](model[0](torch.tensor([1, 2]))).sum().backward()
    opt.step()
    state = {"model": {k: v.detach().clone() for k, v in model.state_dict().items()},
             "optim": opt.state_dict()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "assuming ... a single process"
        dcp.save(state, checkpoint_id=str(root / "ckpt"), no_dist=True)
    return root, state["model"]


@pytest.fixture(scope="module")
def converted(tiny_dcp):
    """The tiny checkpoint converted once; a tiny batch size forces several load batches."""
    root, original = tiny_dcp
    out = root / "model.safetensors"
    result = run([CONVERT, root / "ckpt", out, "--batch-gib", "0.0000001"])
    assert result.returncode == 0, result.stderr
    assert f"{len(original)} tensors" in result.stdout
    return out, original


def test_dcp_to_safetensors_equal_tensors(converted):
    import torch

    out, original = converted
    tensors, meta = read_safetensors(out)
    assert meta["format"] == "pt"
    assert set(tensors) == set(original)  # prefix stripped, optimizer state left out
    for name, value in original.items():
        assert tensors[name].dtype == value.dtype
        assert torch.equal(tensors[name], value), name
    # data starts 8-byte aligned
    assert struct.unpack("<Q", out.read_bytes()[:8])[0] % 8 == 0


def test_dcp_to_safetensors_bf16_and_check(tiny_dcp, tmp_path):
    import torch

    root, original = tiny_dcp
    out = tmp_path / "model-bf16.safetensors"
    result = run([CONVERT, root / "ckpt", out, "--dtype", "bf16"])
    assert result.returncode == 0, result.stderr
    tensors, _ = read_safetensors(out)
    assert tensors["0.weight"].dtype == torch.bfloat16
    assert torch.equal(tensors["0.weight"], original["0.weight"].to(torch.bfloat16))
    assert tensors["positions"].dtype == torch.int64  # integers are not cast
    check = run([CONVERT, "--check", out])
    assert check.returncode == 0, check.stderr
    assert f"OK, {len(original)} tensors" in check.stdout


def test_dcp_to_safetensors_check_rejects_truncated(converted, tmp_path):
    out, _ = converted
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(out.read_bytes()[:-4])
    result = run([CONVERT, "--check", bad])
    assert result.returncode == 1
    assert "INVALID" in result.stderr


def test_dcp_to_safetensors_with_library_if_installed(converted):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    import torch

    out, original = converted
    loaded = safetensors_torch.load_file(str(out))
    assert all(torch.equal(loaded[k], v) for k, v in original.items())


def test_dcp_to_safetensors_rejects_non_dcp_dir(tmp_path):
    result = run([CONVERT, tmp_path, tmp_path / "x.safetensors"])
    assert result.returncode != 0
    assert "not a DCP checkpoint" in result.stderr


@pytest.mark.parametrize("script", [CONTROL, RESUME, DCP_DEMO, CONVERT])
def test_help(script):
    result = run([script, "--help"], timeout=60)
    assert result.returncode == 0
    assert "usage:" in result.stdout
