"""Redaction cost (issue 14): output throughput with masking on vs off, and the save hook.

1. Kernel output: a real ipykernel prints 10 MB of text (100 places holding a value), as print()
   of its lines (about 70 characters: printed text) and as 1,000 writes of 10 KB (the worst case:
   the kernel sends them in a few large messages), with 1,000 values registered through the
   kernel layer
   (``redaction.kernel.protect``), against the same kernel with the layer off
   (``VAULT_JWT_KERNEL_REDACTION=off``). Both kernels run side by side; rounds alternate; the
   time is from the request to the kernel's ``idle``, every output message read. Target: on/off
   <= 1.10. Printed twice: the wall-clock ratio (what a user waits; on a shared machine other
   processes' load shows in it, so its min and max are printed too) and the ratio of the
   kernels' own CPU time over all rounds (every thread's time on a CPU, from
   ``/proc/<pid>/task/*/schedstat``: the work the layer adds, which other processes do not
   change).
2. Server layer: the same 10 MB, in the 10 KB messages the kernel sends, through the stream
   scrubber the server's websocket layer uses, as a share of the kernel's own time (off).
3. Save hook: a 20 MB notebook (200 cells of 100 KB outputs, streams, HTML and errors, 100
   values in them) scrubbed by the pre-save hook with 1,000 values known. Target: < 0.5 s.

Usage: .venv/bin/python bench/redaction.py [--rounds 11]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

# This checkout's code, as the kernels below (not a copy installed in the environment).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_extension_server.redaction.matcher import Matcher, StreamScrubber
from jupyter_extension_server.redaction.savehook import ScrubOutputsHook
from jupyter_extension_server.redaction.service import RedactionService
from jupyter_extension_server.redaction.snippets import SecretRef

HERE = str(Path(__file__).resolve().parent)
REPO = Path(HERE).parent

_random = random.Random(14)  # the same values here and in the kernels (they import this file)
VALUES = {f"key{i:04d}": "v-" + _random.randbytes(18).hex() for i in range(1000)}
MB = 1_000_000
CHUNK = 10_000


def text_chunks(total: int = 10 * MB, with_values: int = 100) -> list[str]:
    """``total`` characters of log-like text in CHUNK pieces, ``with_values`` holding a value."""
    line = "2026-12-07 04:00:00 INFO worker processed batch 123456 in 0.042 s ok\n"
    base = (line * (CHUNK // len(line) + 1))[:CHUNK]
    chunks = [base] * (total // CHUNK)
    values = list(VALUES.values())
    step = len(chunks) // with_values
    for n in range(with_values):
        value = values[n * 7 % len(values)]
        chunks[n * step] = base[: CHUNK - len(value) - 1] + value + "\n"
    return chunks


#: The worst case: 10 KB writes, which the kernel sends in few large messages.
KERNEL_CODE = """
import sys
for text in TEXTS:
    sys.stdout.write(text)
sys.stdout.flush()
"""
#: Printed text: the same 10 MB as print() of its lines (about 70 characters each).
KERNEL_PRINTS = """
for line in LINES:
    print(line)
"""


def cpu_seconds(pid: int) -> float:
    """Time the threads of process ``pid`` have spent on a CPU (Linux), in seconds."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # the thread ended meanwhile
            pass
    return total / 1e9


async def kernel_round(client, code: str, keep: list | None = None) -> float:
    """Run ``code``; the time to the kernel's idle (outputs kept in ``keep`` when given)."""
    start = time.perf_counter()
    msg_id = client.execute(code)
    while True:
        msg = await client.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if keep is not None and msg["msg_type"] in ("stream", "error", "execute_result"):
            keep.append(msg["content"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return time.perf_counter() - start


async def kernels(rounds: int) -> dict[str, tuple[list[float], list[float], float]]:
    from jupyter_client.manager import AsyncKernelManager

    started = []
    clients = {}
    pids = {}
    for layer in ("on", "off"):
        manager = AsyncKernelManager(kernel_name="python3")
        env = {**os.environ, "VAULT_JWT_KERNEL_REDACTION": layer, "PYTHONPATH": str(REPO)}
        await manager.start_kernel(env=env)
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=120)
        started.append((manager, client))
        clients[layer] = client
        pids[layer] = manager.provisioner.process.pid
        setup = (
            "import sys\n"
            f"sys.path.insert(0, {HERE!r})\n"
            "import redaction as bench\n"
            "from jupyter_extension_server.redaction.kernel import protect\n"
            "active = protect('secret', 'bench/app', bench.VALUES)\n"
            "TEXTS = bench.text_chunks()\n"
            "LINES = ''.join(TEXTS).splitlines()\n"
            "active"
        )
        replies: list = []
        await kernel_round(client, setup, replies)
        assert replies == [replies[-1]] and "data" in replies[-1], replies
        assert replies[-1]["data"]["text/plain"] == str(layer == "on"), replies
    results = {}
    try:
        for workload, code in (("print() of lines", KERNEL_PRINTS), ("10 KB writes", KERNEL_CODE)):
            # Warm-up, and the check that the layer works: values on one side only.
            for layer in ("on", "off"):
                out: list = []
                await kernel_round(clients[layer], code, out)
                text = "".join(c.get("text", "") for c in out)
                leaked = sum(text.count(v) for v in VALUES.values())
                assert leaked == (0 if layer == "on" else 100), (layer, leaked)
                assert text.count("[vault:secret/bench/app#") == (100 if layer == "on" else 0)
            times: dict[str, list[float]] = {"on": [], "off": []}
            cpu = {"on": 0.0, "off": 0.0}
            for r in range(rounds):
                order = ("on", "off") if r % 2 == 0 else ("off", "on")
                for layer in order:
                    before = cpu_seconds(pids[layer])
                    times[layer].append(await kernel_round(clients[layer], code))
                    cpu[layer] += cpu_seconds(pids[layer]) - before
            results[workload] = (times["on"], times["off"], cpu["on"] / cpu["off"])
    finally:
        for manager, client in started:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
    return results


def server_layer() -> float:
    matcher = Matcher((f"secret/bench/app#{k}", v) for k, v in VALUES.items())
    chunks = text_chunks()
    start = time.perf_counter()
    scrubber = StreamScrubber(matcher)
    shown = [scrubber.write(c) for c in chunks]
    shown.append(scrubber.flush())
    elapsed = time.perf_counter() - start
    out = "".join(shown)
    assert not any(v in out for v in list(VALUES.values())[:50])
    return elapsed


def notebook_20mb() -> dict:
    values = list(VALUES.values())
    cells = []
    for i in range(200):
        leak = values[i * 13 % len(values)]
        text = f"row {i:06d}, status ok, elapsed 0.001 s\n" * 2200
        html = "<tr><td>" + f"cell {i}</td><td>" * 1400 + "</td></tr>"
        outputs = [
            {"output_type": "stream", "name": "stdout", "text": text + (leak if i % 2 else "")},
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"text/html": html, "text/plain": "<table>"},
            },
            {
                "output_type": "error",
                "ename": "ValueError",
                "evalue": "bad " + (leak if i % 4 == 0 else "input"),
                "traceback": ["Traceback ..."] * 20,
            },
        ]
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "execution_count": i,
                "source": "print(x)",
                "outputs": outputs,
            }
        )
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def save_hook(rounds: int) -> tuple[float, int, int]:
    service = RedactionService(session=None)  # type: ignore[arg-type] (no Vault: values given)
    service.add_values(SecretRef("secret", "bench/app"), VALUES)
    hook = ScrubOutputsHook(service)
    source = notebook_20mb()
    size = len(json.dumps(source))
    times = []
    for _ in range(rounds):
        model = {"type": "notebook", "content": copy.deepcopy(source)}
        start = time.perf_counter()
        hook(model=model, path="bench.ipynb")
        times.append(time.perf_counter() - start)
        text = json.dumps(model["content"])
        assert not any(v in text for v in VALUES.values())
    # The first round also builds the matcher (1,000 values -> their encodings).
    return statistics.median(times), size, service.matcher.patterns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()

    for workload, (on, off, cpu) in asyncio.run(kernels(args.rounds)).items():
        ratios = sorted(a / b for a, b in zip(on, off, strict=True))
        ratio = statistics.median(ratios)
        print(
            f"kernel output, 10 MB as {workload}, 1,000 values: on {statistics.median(on):.2f} s, "
            f"off {statistics.median(off):.2f} s, wall-clock paired ratio on/off median "
            f"{ratio:.3f} (min {ratios[0]:.3f}, max {ratios[-1]:.3f}, {args.rounds} rounds; "
            f"target <= 1.10: {'meets' if ratio <= 1.10 else 'MISSES'}); kernel CPU time on/off "
            f"{cpu:.3f} ({'meets' if cpu <= 1.10 else 'MISSES'})"
        )
    server = server_layer()
    print(
        f"server layer, 10 MB in 10 KB messages, 1,000 values: {server:.3f} s scanning, "
        f"{server / statistics.median(off):.3f} of the kernel's own time for 10 KB writes"
    )
    median, size, patterns = save_hook(args.rounds)
    print(
        f"save hook, {size / MB:.1f} MB notebook, 1,000 values ({patterns:,} patterns): "
        f"median {median:.3f} s (target < 0.5 s: {'meets' if median < 0.5 else 'MISSES'}; "
        f"ratio to target {median / 0.5:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
