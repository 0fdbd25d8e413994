"""Filter benchmark: time per keystroke to repaint the sidebar's tree of 10,000 secret paths.

Target (from the issue): filtering 10,000 paths in the sidebar, time per keystroke to repaint
<= 16 ms, measured in the browser.

Set-up (everything on 127.0.0.1, started here and stopped at the end, also on Ctrl-C/SIGTERM):

1. an OpenBao dev server (``--port``, 18220; random root token through ``BAO_DEV_ROOT_TOKEN_ID``,
   never printed) seeded by bench/catalog.py's ``setup`` with ``--secrets`` secrets (10,000) in
   ``--folders`` folders (1,000) over three mounts (``bench-a/``, ``bench-b/`` KV v2, ``bench-c/``
   KV v1); a JWT auth method at ``auth/jwt-test`` trusting a fresh RSA public key
   (``jwt_validation_pubkeys`` + ``bound_issuer``) and a role ``jupyter`` (``role_type=jwt``,
   ``bound_audiences=["jupyterhub"]``, ``user_claim=preferred_username``, ``token_policies=
   ["default", "bench-list"]``: list + read on the three mounts);
2. an id_token file (RS256 with that key, ``aud`` jupyterhub, ``exp`` in 1 h) and ``jupyter lab``
   (``--lab-port``, 18890) with the galata server config ui-tests/jupyter_server_test_config.py
   (``OPENBAO_ADDR``, ``OIDC_ID_TOKEN_FILE``, ``UI_VAULT_TOKEN_FILE``, ``TMPDIR`` all in a private
   temporary directory removed at the end);
3. Playwright (ui-tests/bench/filter.bench.spec.ts, Debian chromium, headless) opens the panel,
   waits for the three mounts and the catalog summary, then presses keys one at a time in the
   search box (a pause of ``--settle-ms`` between keys, like typing): every phase types a query
   and deletes it back to empty. ``--warmup`` rounds are not counted, then ``--rounds`` rounds.

What is measured, per keystroke, in the page (details in the spec's header):

* ``work``: main-thread time from the ``keydown`` (first listener, capturing on window) to the
  end of the frame that paints the result, minus the idle wait for that frame to begin (vsync):
  (keydown -> ``input`` handled, React's filter + render + commit done) + (frame start ->
  rendering done: rAF callbacks, style, layout, paint, commit to the compositor). PASS/FAIL is
  on this figure: median and p95 <= 16 ms;
* ``latency``: keydown -> rendering done, the wait for the frame included (0..16.7 ms at 60 Hz,
  no code can avoid it), for information;
* the same for a ``baseline``: the same keys typed into a plain <input> outside the panel
  (JupyterLab's own keydown handling runs, React does nothing), and an idle frame (rAF -> the task
  after it, nothing changed). The machine is shared and noisy: compare ratios within one run.

Each keystroke is checked: the search box holds the expected text, the match count shown equals
the count computed here from the seeded paths, and the DOM read at the ``input`` listener (before
the frame) already shows it (React committed synchronously, so the frame measured paints it).
A failed check makes the run fail: the figures would not measure a filter.

Usage: .venv/bin/python bench/filter_keystroke.py [--rounds 5] [--warmup 1] [--settle-ms 60]
       [--port 18220] [--lab-port 18890] [--secrets 10000] [--folders 1000] [--quick]
       [--keep-output DIR]
Needs: the extension installed in .venv (``jupyter lab`` finds it), ui-tests/node_modules
(``npm ci`` there with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _browser_bench import (
    TARGET_MS,
    bench_main,
    digits,
    event_timing,
    keystroke_times,
    p95,
    parse_common_args,
    phase_steps,
    report_profile,
    run_spec,
    stack,
    summary,
    verdict,
)

#: Opening the panel with a cached catalog, at most (issue 13).
PANEL_OPEN_TARGET_MS = 150.0
#: From this many paths on, issue 13's budget is printed too: p95 <= 33 ms (two frames).
LARGE_CATALOG = 100_000
LARGE_P95_MS = 33.0
ISSUER = "https://filter-bench.invalid"
SPEC = "filter.bench.spec.ts"

# What is typed: each phase types its text key by key, then deletes it back to empty.
# (the seeded paths look like bench-a/team-001/app-011/env-111/secret-00111)
PHASES: tuple[tuple[str, str], ...] = (
    ("narrow", "secret-0042"),  # 10,000 matches after the first keys, then 10
    ("folder", "app-042/env"),  # a folder path, with a slash
    ("two terms", "bench-c team-005"),  # a mount and a folder, space-separated
    ("no match", "xyzzy"),  # nothing matches from the first key on
)


# --------------------------------------------------------------------------------------------
# expectations


def expected_matches(haystack: Sequence[str], query: str) -> int | None:
    """The count the panel shows: every term is in the lowercased ``mount/path`` (tree.ts)."""
    terms = query.lower().split()
    if not terms:
        return None
    return sum(1 for text in haystack if all(term in text for term in terms))


# --------------------------------------------------------------------------------------------
# figures


def rows_of(sig: dict[str, Any]) -> int:
    height = sig.get("height") or "0px"
    return round(float(height.removesuffix("px") or 0) / 24)


@dataclass
class Keystroke:
    kind: str
    round: int
    phase: str
    step: int
    key: str
    query: str
    work: float
    latency: float
    handling: float
    frame_wait: float
    render: float
    to_next_frame: float
    queue: float
    matches: int | None
    rows: int
    rendered: int
    committed_at_input: bool
    event_timing: float | None


def analyse(records: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[Keystroke]:
    out = []
    for r in records:
        times = keystroke_times(r)
        paint = r["sigPaint"]
        out.append(
            Keystroke(
                kind=r["kind"],
                round=r["round"],
                phase=r["phase"],
                step=r["step"],
                key=r["key"],
                query=r["value"],
                **times,
                matches=digits(paint["note"]),
                rows=rows_of(paint),
                rendered=paint["rendered"],
                committed_at_input=r["sigInput"] == paint,
                event_timing=event_timing(r, events),
            )
        )
    return out


def check(
    strokes: list[Keystroke], records: list[dict[str, Any]], haystack: list[str]
) -> list[str]:
    """The checks that make the figures mean something; returns the problems."""
    problems = []
    cache: dict[str, int | None] = {}
    for s, r in zip(strokes, records, strict=True):
        if s.query != r["query"]:
            problems.append(f"{s.kind} r{s.round} {s.phase}#{s.step}: value {s.query!r}")
            continue
        if s.kind != "tree":
            continue
        if s.query not in cache:
            cache[s.query] = expected_matches(haystack, s.query)
        if s.matches != cache[s.query]:
            problems.append(
                f"tree r{s.round} {s.phase}#{s.step} {s.query!r}: shows {s.matches} matches, "
                f"expected {cache[s.query]}"
            )
        if not s.committed_at_input:
            problems.append(
                f"tree r{s.round} {s.phase}#{s.step} {s.query!r}: the DOM changed after the "
                "input event (React did not commit synchronously)"
            )
    return problems


def report(
    data: dict[str, Any], strokes: list[Keystroke], problems: list[str], secrets: int = 0
) -> int:
    counted = [s for s in strokes if s.round >= 0]
    tree = [s for s in counted if s.kind == "tree"]
    base = [s for s in counted if s.kind == "baseline"]
    idle = [f["tPaint"] - f["rafTs"] for f in data["idle"]]
    intervals = [b["rafTs"] - a["rafTs"] for a, b in itertools.pairwise(data["idle"])]
    frame_ms = statistics.median(intervals) if intervals else float("nan")
    print(
        f"\n  browser: chromium {data['browser']} headless, viewport "
        f"{data['viewport']['width']}x{data['viewport']['height']}, tree viewport "
        f"{data['treeBox']['height']:.0f} px high; frame interval {frame_ms:.2f} ms "
        f"({1000 / frame_ms:.0f} Hz); Event Timing API "
        f"{'on' if data['eventTiming'] else 'unavailable'}"
    )
    print(
        f"  panel: {data['summary']!r}, shown {data['catalogSeconds']:.1f} s after the "
        "page opened (login + catalog build)"
    )
    opens = data.get("panelOpenMs") or []
    if opens:
        median_open = statistics.median(opens)
        print(
            f"  opening the panel with the catalog in memory (activate -> tree rows painted), "
            f"{len(opens)} times: median {median_open:.1f} ms, max {max(opens):.1f} ms, "
            f"x{median_open / PANEL_OPEN_TARGET_MS:.2f} of the {PANEL_OPEN_TARGET_MS:.0f} ms "
            f"budget: {'PASS' if median_open <= PANEL_OPEN_TARGET_MS else 'MISS'}"
        )

    # per keystroke: one line per step of the script (medians over the rounds)
    print(
        "\n  per keystroke (tree; medians over the counted rounds; ms): rows = all rows of "
        "the tree\n  after the key (spacer height / 24 px), DOM = rows rendered (virtualised)"
    )
    print(
        f"   {'phase':10s} {'key':>9s}  {'query':18s} {'matches':>7s} {'rows':>6s} {'DOM':>4s} "
        f"{'work':>6s} {'handle':>6s} {'render':>6s} {'latency':>7s} {'base':>6s}"
    )
    steps: dict[tuple[str, int], list[Keystroke]] = {}
    base_steps: dict[tuple[str, int], list[Keystroke]] = {}
    for s in tree:
        steps.setdefault((s.phase, s.step), []).append(s)
    for s in base:
        base_steps.setdefault((s.phase, s.step), []).append(s)
    for (phase, step), group in steps.items():
        first = group[0]
        med = {
            name: statistics.median(getattr(s, name) for s in group)
            for name in ("work", "handling", "render", "latency")
        }
        base_work = statistics.median(s.work for s in base_steps.get((phase, step), group))
        key = "<BS>" if first.key == "Backspace" else repr(first.key)
        print(
            f"   {phase:10s} {key:>9s}  {first.query!r:18s} "
            f"{'-' if first.matches is None else first.matches:>7} {first.rows:>6d} "
            f"{first.rendered:>4d} {med['work']:6.2f} {med['handling']:6.2f} "
            f"{med['render']:6.2f} {med['latency']:7.2f} {base_work:6.2f}"
        )

    print("\n  all counted keystrokes (ms):")
    for label, group in (("tree", tree), ("baseline", base)):
        print(f"   {label:9s} work     {summary([s.work for s in group])}")
        print(f"   {'':9s}  handling {summary([s.handling for s in group])}  (keydown -> input)")
        print(f"   {'':9s}  render   {summary([s.render for s in group])}  (frame start -> paint)")
        print(f"   {'':9s} latency  {summary([s.latency for s in group])}  (incl. frame wait)")
        print(f"   {'':9s} 2x rAF   {summary([s.to_next_frame for s in group])}")
        timed = [s for s in group if s.event_timing is not None]
        worst = f", max {max(s.event_timing for s in timed):.0f} ms" if timed else ""
        print(
            f"   {'':9s} Event Timing API: {len(timed)} of {len(group)} keystrokes had an event "
            f">= 16 ms to the next paint{worst} (headless, no GPU: presentation times are not "
            "a display's; not used)"
        )
    print(f"   idle frame (rAF -> after paint, no change): {summary(idle)}")

    for phase, _ in PHASES:
        group = [s.work for s in tree if s.phase == phase]
        print(f"   tree '{phase}': work {summary(group)}")
    big = [s.work for s in tree if s.rows > 1000]
    if big:
        print(f"   tree keystrokes leaving > 1,000 rows: work {summary(big)}")

    tm, tp = statistics.median(s.work for s in tree), p95([s.work for s in tree])
    bm, bp = statistics.median(s.work for s in base), p95([s.work for s in base])
    lm, lp = statistics.median(s.latency for s in tree), p95([s.latency for s in tree])
    print(
        f"\n   ratios: tree work median/16 ms {tm / TARGET_MS:.2f}, "
        f"p95/16 ms {tp / TARGET_MS:.2f}; baseline median/16 ms {bm / TARGET_MS:.2f}, "
        f"p95/16 ms {bp / TARGET_MS:.2f}"
    )
    print(
        f"   tree/baseline work: median x{tm / bm:.2f}, p95 x{tp / bp:.2f}; tree latency "
        f"(with the frame wait) median/16 ms {lm / TARGET_MS:.2f}, p95/16 ms {lp / TARGET_MS:.2f}"
    )
    if problems:
        print(f"\n  {len(problems)} check(s) failed, e.g.:")
        for p in problems[:10]:
            print(f"   {p}")
    checks = [
        (
            not problems,
            f"every keystroke showed the expected text and match count, committed before the "
            f"frame ({len(tree)} tree + {len(base)} baseline keystrokes)",
        ),
        (tm <= TARGET_MS, f"median work per keystroke {tm:.2f} ms <= {TARGET_MS:g} ms"),
        (tp <= TARGET_MS, f"p95 work per keystroke {tp:.2f} ms <= {TARGET_MS:g} ms"),
    ]
    print()
    for ok, text in checks:
        print(f"  {verdict(ok)}: {text}")
    if secrets >= LARGE_CATALOG:
        # issue 13's budget for 100,000 paths: the median as above, the p95 within two frames
        print(
            f"  {'PASS' if tm <= TARGET_MS and tp <= LARGE_P95_MS else 'MISS'}: at "
            f"{secrets:,d} paths, median {tm:.2f} ms <= {TARGET_MS:g} ms and p95 {tp:.2f} ms "
            f"<= {LARGE_P95_MS:g} ms (ratios {tm / TARGET_MS:.2f}, {tp / LARGE_P95_MS:.2f})"
        )
    return 0 if all(ok for ok, _ in checks) else 1


# --------------------------------------------------------------------------------------------
# main


def run(args: argparse.Namespace, workdir: Path) -> int:
    with stack(args, workdir, ISSUER, "filter-bench", "Filter Bench") as started:
        tree = started.tree
        haystack = [f"{m}/{p}".lower() for m, paths in tree.secrets.items() for p in paths]
        phases = [{"name": name, "steps": phase_steps(text)} for name, text in PHASES]
        keys = sum(len(p["steps"]) for p in phases)
        bench_input = {
            "total": tree.secret_count,
            "mounts": [f"{m}/" for m in tree.secrets],
            "rounds": args.rounds,
            "warmupRounds": args.warmup,
            "settleMs": args.settle_ms,
            "idleFrames": 60,
            "profile": args.profile,
            "phases": phases,
        }
        print(
            f"  playwright: {args.warmup} warm-up + {args.rounds} counted round(s) of {keys} "
            f"keys, tree and baseline interleaved, {args.settle_ms} ms between keys; phases: "
            + ", ".join(f"{name} {text!r}" for name, text in PHASES)
        )
        data, profile = run_spec(workdir, started.lab, SPEC, bench_input, args)
    records = data["records"]
    strokes = analyse(records, data["events"])
    summary_total = digits(data["summary"].split("secret")[0])  # "100000 secrets · 3 mounts"
    problems = check(strokes, records, haystack)
    if summary_total != tree.secret_count:
        problems.insert(0, f"the panel says {data['summary']!r}, not {tree.secret_count:,d}")
    status = report(data, strokes, problems, args.secrets)
    if profile is not None:
        report_profile(profile, keys, "tree")
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_common_args(
        __doc__.split("\n\n")[0], argv, port=18220, lab_port=18890, measured="tree"
    )
    return bench_main(
        "filter: time per keystroke to repaint the sidebar tree, in the browser",
        "filter-bench-",
        run,
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
