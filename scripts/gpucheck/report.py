"""The report of a GPU check: ``report.md`` (the section for BENCHMARKS.md) and ``failures.md`` (tracebacks),
rendered from the driver's collected data alone, so it can be rewritten after every stage."""
from __future__ import annotations


def _t(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds:.2f} s"


def _counts(records, key="outcome"):
    out = {}
    for r in records:
        out[r[key]] = out.get(r[key], 0) + 1
    return out


def _stage_result(name, data):
    if name in ("smoke", "sanitizer"):
        recs = data[name]
        passed = sum(r["ok"] is True for r in recs)
        failed = sum(r["ok"] is False for r in recs)
        skipped = sum(r["ok"] is None for r in recs)
        return f"{passed} checks passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    if name == "tests":
        c = _counts(data["tests"])
        sel = data.get("tests_selected") or {}
        reached = len({r["nodeid"].split("::", 1)[0] for r in data["tests"]})
        text = ", ".join(f"{c.get(k, 0)} {k}" for k in ("passed", "failed", "error", "skipped"))
        if sel:
            text += f"; {len(data['tests'])} of {sel['selected']} selected tests ran, " \
                    f"{reached} of {len(sel['modules'])} test modules reached"
        return text
    if name == "bench":
        ok = [r for r in data["bench"] if "error" not in r]
        bad = [r for r in data["bench"] if "error" in r]
        return f"{len(ok)} cases" + (f", {len(bad)} broke" if bad else "")
    return ""


def failures(data):
    """``[(where, name, first line, full text)]`` of every failed check, test, stage and benchmark."""
    out = []
    for part in ("smoke", "sanitizer"):
        for r in data[part]:
            if r["ok"] is False:
                detail = r.get("detail", "")
                last = [l for l in detail.strip().splitlines() if l.strip()][-1:] or [""]
                out.append((part, r["name"], last[0], detail))
    for r in data["tests"]:
        if r["outcome"] in ("failed", "error"):
            text = r.get("longrepr", "")
            last = [l for l in text.strip().splitlines() if l.strip()][-1:] or [""]
            out.append(("tests", r["nodeid"], last[0], text))
    for r in data["bench"]:
        if "error" in r:
            out.append(("bench", r["bench"], r["error"], r.get("traceback", "")))
    for s in data["stages"]:
        if s["status"] in ("failed", "timed out") and s["note"]:
            out.append(("stage", s["name"], s["note"], s["note"]))
    return out


def verdict(data):
    bad = [f"{s['name']} {s['status']}" for s in data["stages"] if s["status"] not in ("passed", "skipped")]
    n_fail = len([f for f in failures(data) if f[0] != "stage"])
    if not bad and not n_fail:
        return "PASS: every stage passed"
    return "FAIL: " + "; ".join(bad + ([f"{n_fail} failure(s) listed below"] if n_fail else []))


def render(data):
    v = data.get("versions") or {}
    card = v.get("card") or v.get("nvidia_smi") or "unknown card"
    dry = " --dry-run" if data["dry_run"] else ""
    lines = [f"## GPU check: {card}", "",
             f"`scripts/gpu_check.sh{dry}` on {data['date']}, commit {data['commit']}, {data['elapsed']:.0f} s "
             f"in all.", "", f"**{verdict(data)}**", ""]
    if v:
        lines += [f"- Card: {card}" + (f", compute capability {v['compute_capability']}, {v['sms']} SMs, "
                                       f"{v['memory_gib']} GiB" if "compute_capability" in v else "")
                  + (f"; nvidia-smi: {v['nvidia_smi']}" if v.get("nvidia_smi") else ""),
                  f"- CUDA runtime {v.get('cuda_runtime', '-')} (driver API {v.get('cuda_driver_api', '-')}), "
                  f"CuPy {v.get('cupy', '-')}, PyTorch {v.get('torch', '-')} (CUDA {v.get('torch_cuda', '-')}), "
                  f"NumPy {v.get('numpy')}, Numba {v.get('numba')}, Python {v.get('python')}", ""]
    lines += ["| stage | status | time / budget | results |", "|---|---|---|---|"]
    for s in data["stages"]:
        res = _stage_result(s["name"], data) if s["status"] not in ("not run",) else ""
        if s["status"] == "skipped" and s["note"]:
            res = s["note"]
        lines.append(f"| {s['name']} | {s['status']} | {s['seconds']:.0f} s / {s['budget']:.0f} s | {res} |")
    bench = [r for r in data["bench"] if "error" not in r]
    if bench:
        lines += ["", "Against PyTorch on the same device (medians of alternating rounds; ratio = gpugrad's time / "
                  "PyTorch's, below 1 is faster):", "",
                  "| benchmark | case | gpugrad | PyTorch | ratio |", "|---|---|---|---|---|"]
        for r in bench:
            ratio = f"{r['ratio']:.2f}" if "ratio" in r else "-"
            lines.append(f"| {r['bench']} | {r['case']} | {_t(r['gpugrad_s'])} | {_t(r.get('torch_s'))} | {ratio} |")
        for r in bench:
            if "bytes" in r:
                gb = r["bytes"] / r["gpugrad_s"] / 1e9
                text = f"- {r['bench']}, {r['case']}: gpugrad moves {gb:.0f} GB/s"
                if r.get("peak_bytes_per_s"):
                    text += f" ({100 * r['bytes'] / r['gpugrad_s'] / r['peak_bytes_per_s']:.0f}% of the " \
                            f"{r['peak_bytes_per_s'] / 1e9:.0f} GB/s peak)"
                if r.get("torch_s"):
                    text += f", PyTorch {r['bytes'] / r['torch_s'] / 1e9:.0f} GB/s"
                lines.append(text)
    fails = failures(data)
    if fails:
        lines += ["", f"Failures ({len(fails)}; tracebacks in failures.md):", ""]
        lines += [f"- {where}: `{name}`: {first}" for where, name, first, _ in fails[:80]]
        if len(fails) > 80:
            lines.append(f"- ... and {len(fails) - 80} more")
    fail_md = ["# Failures of the GPU check", ""] if fails else ["# Failures of the GPU check", "", "None."]
    for where, name, _, text in fails:
        fail_md += [f"## {where}: {name}", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines) + "\n", "\n".join(fail_md) + "\n"
