"""Runs the scripts and commands of docs/training/{instabilities,datasets,emulate-multi-node,
re-train-hub-models}.md on the CPU and compares them with what the pages show."""

import importlib.util
import math
import shlex
import socket
import subprocess
from pathlib import Path

import pytest
from buildcache import parse_yaml
from script_runner import preloaded_python, run_python

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "docs" / "training"
DATA_FILE = ROOT / "data" / "loss-patterns.yaml"
LANGS = ("md", "en.md")


def page(name, lang):
    return (TRAINING / f"{name}.{lang}").read_text(encoding="utf-8")


def fences(text):
    """[(language, body)] of the fenced code blocks of a Markdown page."""
    blocks, lang, body = [], None, []
    for line in text.splitlines():
        stripped = line.strip()
        if lang is None and stripped.startswith("```"):
            lang, body = stripped[3:].strip(), []
        elif lang is not None and stripped == "```":
            blocks.append((lang, "\n".join(body)))
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def quoted_output(text, command):
    """The ```text block that follows the ```bash block consisting of exactly COMMAND."""
    blocks = fences(text)
    for (lang, body), (next_lang, next_body) in zip(blocks, blocks[1:]):
        if lang == "bash" and body.strip() == command and next_lang == "text":
            return next_body
    raise AssertionError(f"no output block after `{command}`")


def run(script, *args, timeout=120):
    return run_python([str(TRAINING / script), *args], cwd=TRAINING,
                      capture_output=True, text=True, timeout=timeout)


def load(script):
    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), TRAINING / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", ["loss_patterns.py", "loss_alarm.py", "pack_resume.py",
                                    "emulate_check.py", "resize_embeddings.py"])
def test_help(script):
    proc = run(script, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout


# ---------------------------------------------------------------- instabilities: the gallery

def test_data_file_is_what_the_script_generates():
    proc = run("loss_patterns.py", "--check", str(DATA_FILE))
    assert proc.returncode == 0, proc.stderr


def test_check_detects_a_stale_data_file(tmp_path):
    stale = tmp_path / "loss-patterns.yaml"
    stale.write_text(DATA_FILE.read_text(encoding="utf-8").replace("10.8", "10.9", 1),
                     encoding="utf-8")
    proc = run("loss_patterns.py", "--check", str(stale))
    assert proc.returncode == 1
    assert "stale" in proc.stderr


def test_data_file_parses_and_has_every_pattern():
    doc = parse_yaml(DATA_FILE.read_text(encoding="utf-8"))
    ids = [p["id"] for p in doc["loss_patterns"]]
    module = load("loss_patterns.py")
    assert ids == [pid for pid, _, _ in module.PATTERNS]
    for pattern in doc["loss_patterns"]:
        assert len(pattern["loss"]) == doc["steps"]
        assert set(pattern["title"]) == {"en", "zh"}


def test_sparklines_on_pages_match_the_script():
    proc = run("loss_patterns.py")
    assert proc.returncode == 0, proc.stderr
    for lang in LANGS:
        assert quoted_output(page("instabilities", lang), "python loss_patterns.py") \
            == proc.stdout.rstrip("\n"), lang


@pytest.mark.parametrize("lang", LANGS)
def test_every_pattern_has_a_gallery_section(lang):
    module = load("loss_patterns.py")
    text = page("instabilities", lang)
    on_page = {line.split("{#pattern-")[1].rstrip("}").strip()
               for line in text.splitlines() if line.startswith("### ") and "{#pattern-" in line}
    assert on_page == {pid for pid, _, _ in module.PATTERNS}


def test_patterns_have_the_shapes_the_page_describes():
    m = load("loss_patterns.py")
    c = {pid: m.curve(pid) for pid, _, _ in m.PATTERNS}
    base = m.base
    # every curve starts near ln(50k), the loss of a uniform guess
    for pid, values in c.items():
        assert abs(values[0] - math.log(50_000)) < 0.2, pid
    # single spike at step 300 that is back on the trend 100 steps later
    spike = c["spike-recovers"]
    assert max(spike[290:320]) == spike[300] and spike[300] - base(300) > 1.0
    assert abs(spike[400] - base(400)) < 0.1
    # repeated spikes: the last ones are higher than the first
    rep = [v - base(t) for t, v in enumerate(c["repeated-spikes"])]
    assert max(rep[585:]) > max(rep[195:260]) + 1.0
    # slow divergence: ends well above its minimum
    slow = c["slow-divergence"]
    assert slow[-1] > min(slow) + 0.8
    # plateau: high and flat after the jump, never recovers
    plateau = c["jump-to-plateau"][400:]
    assert min(plateau) > 6.5 and max(plateau) - min(plateau) < 0.5
    # NaN: finite up to step 411, None from 412 on
    nan = c["nan"]
    assert None not in nan[:412] and set(nan[412:]) == {None}
    # flat: never moves
    flat = c["flat"]
    assert max(flat) - min(flat) < 0.1
    # replayed data: below the trend after the resume at step 360, back later
    drop = c["data-order-drop"]
    assert sum(drop[370:470]) / 100 < sum(base(t) for t in range(370, 470)) / 100 - 0.4
    assert abs(drop[-1] - base(len(drop) - 1)) < 0.1
    # epoch boundaries every 150 steps: a step down at each
    saw = c["epoch-sawtooth"]
    for boundary in (150, 300, 450):
        assert saw[boundary - 3] - saw[boundary + 2] > 0.15, boundary


def test_alarm_output_on_pages_matches_the_script():
    proc = run("loss_alarm.py", "--pattern", "jump-to-plateau")
    assert proc.returncode == 1, proc.stderr
    for lang in LANGS:
        assert quoted_output(page("instabilities", lang),
                             "python loss_alarm.py --pattern jump-to-plateau") \
            == proc.stdout.rstrip("\n"), lang


# pattern -> (alarm text that must appear, text that must not appear); the gallery sections
# promise these diagnoses
EXPECTED_ALARMS = {
    "healthy": ("no alarms", "step "),
    "spike-recovers": ("recovered from the spike of step 300", "no recovery"),
    "repeated-spikes": ("repeated spikes", "no recovery"),
    "slow-divergence": ("rising trend", "spike"),
    "jump-to-plateau": ("no recovery 100 steps after the spike of step 340", "NaN"),
    "nan": ("step 412: loss is NaN/inf", "no progress"),
    "flat": ("no progress", "spike"),
    "data-order-drop": ("step 360: sudden drop", "NaN"),
    "epoch-sawtooth": ("step 450: sudden drop", "spike"),
}


@pytest.mark.parametrize("pattern", sorted(EXPECTED_ALARMS))
def test_each_pattern_raises_its_alarm(pattern):
    must, must_not = EXPECTED_ALARMS[pattern]
    proc = run("loss_alarm.py", "--pattern", pattern)
    assert must in proc.stdout, proc.stdout
    assert must_not not in proc.stdout, proc.stdout
    assert proc.returncode == (0 if pattern == "healthy" else 1)


def test_spikes_stay_out_of_the_alarm_baseline():
    """A train of spikes must not inflate the rolling threshold: each spike of the
    repeated-spikes pattern decays with a time constant of 6 steps, so none can be back
    within threshold after only a step or two."""
    proc = run("loss_alarm.py", "--pattern", "repeated-spikes")
    spikes = {}
    for line in proc.stdout.splitlines():
        step = int(line.split(":")[0].split()[1])
        if ": spike:" in line:
            spikes[step] = None
        elif "recovered from the spike of step" in line:
            spikes[int(line.rsplit(" ", 1)[1])] = step
    assert len(spikes) >= 6, proc.stdout
    for begun, recovered in spikes.items():
        if recovered is not None:
            assert recovered - begun >= 5, proc.stdout


def test_alarm_reads_a_jsonl_log(tmp_path):
    m = load("loss_patterns.py")
    log = tmp_path / "train_log.jsonl"
    values = m.curve("spike-recovers")[:350] + [float("nan")]
    log.write_text("".join(
        f'{{"step": {1000 + i}, "loss": {"NaN" if v != v else v}}}\n'
        for i, v in enumerate(values)), encoding="utf-8")
    proc = run("loss_alarm.py", "--jsonl", str(log))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("step 1300: spike")
    assert lines[-1].startswith("step 1350: loss is NaN/inf")


# ---------------------------------------------------------------- datasets: packing and resume

def test_pack_resume_output_matches_pages():
    proc = run("pack_resume.py")
    assert proc.returncode == 0, proc.stderr
    for lang in LANGS:
        assert quoted_output(page("datasets", lang), "python pack_resume.py") \
            == proc.stdout.rstrip("\n"), lang


@pytest.mark.parametrize("args", [["--resume-dp", "1"], ["--resume-dp", "2"],
                                  ["--resume-at", "130"], ["--dp", "3", "--resume-dp", "6"]])
def test_resume_is_exact_for_other_layouts(args):
    proc = run("pack_resume.py", "--docs", "600", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "identical to the uninterrupted run: True" in proc.stdout


def test_resume_dp_must_divide_the_global_batch():
    proc = run("pack_resume.py", "--resume-dp", "16")   # global batch is 4 x 2 = 8
    assert proc.returncode == 2
    assert "--resume-dp must divide" in proc.stderr


def test_packing_keeps_every_token_and_every_boundary():
    m = load("pack_resume.py")
    docs = m.make_documents(300, 1000, seed=7)
    seq_len = 64
    samples, starts, dropped = m.pack(docs, seq_len)
    stream = [t for d in docs for t in d]
    assert all(len(s) == seq_len + 1 for s in samples)
    assert [t for s in samples for t in s] == stream[:len(stream) - dropped]
    assert 0 <= dropped < seq_len + 1
    # a recorded start is the first token of a document: the previous token is EOS
    for sample, offsets in zip(samples, starts):
        for off in offsets:
            assert off == 0 or sample[off - 1] == m.EOS
    # every document that starts inside a kept sample is recorded, at the right offset
    kept = len(stream) - dropped
    doc_starts, pos = [], 0
    for d in docs:
        if pos < kept:
            doc_starts.append(pos)
        pos += len(d)
    recorded = [i * (seq_len + 1) + off for i, offsets in enumerate(starts) for off in offsets]
    assert recorded == doc_starts


def test_epoch_order_depends_only_on_seed_and_epoch():
    m = load("pack_resume.py")
    assert m.epoch_order(50, 1, 0) == m.epoch_order(50, 1, 0)
    assert m.epoch_order(50, 1, 0) != m.epoch_order(50, 1, 1)
    assert sorted(m.epoch_order(50, 1, 3)) == list(range(50))


# ---------------------------------------------------------------- emulating multiple nodes

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun_commands(text, marker):
    """The torchrun command lines (continuations joined) of the first bash block containing
    MARKER and no CUDA_VISIBLE_DEVICES / srun."""
    for lang, body in fences(text):
        if lang != "bash" or marker not in body or "CUDA_VISIBLE_DEVICES" in body \
                or "srun" in body:
            continue
        joined = body.replace("\\\n", " ")
        return [" ".join(line.split()) for line in joined.splitlines()
                if line.strip().startswith("torchrun")]
    raise AssertionError(f"no bash block with {marker!r}")


def launch(commands, port):
    """Start the commands as emulated nodes on this machine; return their combined output."""
    torch_run = [preloaded_python(), "-m", "torch.distributed.run"]
    procs = []
    for command in commands:
        argv = shlex.split(command.replace("29500", str(port)))
        assert argv[0] == "torchrun"
        procs.append(subprocess.Popen(torch_run + argv[1:], cwd=TRAINING, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    outputs = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=180)
            outputs.append(out)
            assert proc.returncode == 0, out
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    return outputs


def rank_lines(outputs):
    return sorted(line for out in outputs for line in out.splitlines() if line.startswith("rank "))


def test_emulate_check_needs_torchrun():
    proc = run("emulate_check.py")
    assert proc.returncode != 0
    assert "RANK is not set" in proc.stderr


def test_both_languages_show_the_same_commands():
    for marker in ("--rdzv-backend c10d", "--master-addr"):
        assert torchrun_commands(page("emulate-multi-node", "md"), marker) \
            == torchrun_commands(page("emulate-multi-node", "en.md"), marker)


def test_c10d_two_node_emulation_from_page():
    pytest.importorskip("torch")
    text = page("emulate-multi-node", "en.md")
    commands = torchrun_commands(text, "--rdzv-backend c10d")
    assert [c.split("--node-rank ")[1].split()[0] for c in commands] == ["0", "1"]
    outputs = launch(commands, free_port())
    for lang in LANGS:
        # the output quoted right after the c10d commands, in both languages
        (cmd_lang, cmd_body), (out_lang, out_body) = fences(page("emulate-multi-node", lang))[:2]
        assert cmd_lang == "bash" and "--rdzv-backend c10d" in cmd_body and out_lang == "text"
        assert rank_lines(outputs) == sorted(out_body.splitlines())


def test_static_rendezvous_honours_node_rank():
    pytest.importorskip("torch")
    commands = torchrun_commands(page("emulate-multi-node", "en.md"), "--master-addr")
    outputs = launch(commands, free_port())
    lines = rank_lines(outputs)
    assert len(lines) == 4 and all(line.endswith("OK") for line in lines)
    # with the static backend, --node-rank 0 holds global ranks 0 and 1
    assert any(line.startswith("rank 0/4 node 0 ") for line in rank_lines(outputs[:1]))
    assert any(line.startswith("rank 1/4 node 0 ") for line in rank_lines(outputs[:1]))
    assert all(" node 1 " in line for line in rank_lines(outputs[1:]))


# ---------------------------------------------------------------- re-training hub models

def test_resize_output_matches_pages():
    pytest.importorskip("torch")
    proc = run("resize_embeddings.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for lang in LANGS:
        assert quoted_output(page("re-train-hub-models", lang), "python resize_embeddings.py") \
            == proc.stdout.rstrip("\n"), lang


def test_resize_untied_passes():
    pytest.importorskip("torch")
    proc = run("resize_embeddings.py", "--untied", "--vocab", "4000", "--dim", "64")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "untied" in proc.stdout


@pytest.mark.parametrize("tied", [True, False])
def test_resize_function(tied):
    torch = pytest.importorskip("torch")
    from torch import nn

    m = load("resize_embeddings.py")
    g = torch.Generator().manual_seed(3)
    embed = nn.Embedding(1000, 32)
    with torch.no_grad():
        embed.weight.copy_(torch.randn(32, generator=g) + torch.randn(1000, 32, generator=g))
    head = nn.Linear(32, 1000, bias=False)
    if tied:
        head.weight = embed.weight
    e2, h2 = m.resize(embed, head, 3, 128, "mean", g)
    assert e2.weight.shape == (1024, 32) and h2.weight.shape == (1024, 32)
    assert (h2.weight is e2.weight) == tied
    assert torch.equal(e2.weight[:1000], embed.weight)
    # Jensen: with mean-initialised rows no new token beats 1/old_vocab, for any hidden state
    hidden = 3.0 * torch.randn(64, 32, generator=g)
    with torch.no_grad():
        probs = torch.softmax(hidden @ h2.weight.T, dim=-1)
    assert probs[:, 1000:].max().item() <= 1.01 / 1000
