"""The results of a run: targets, the printed tables, ``results.json`` and README's section.

Everything here works on the JSON-ready dict, so the README can be rewritten from a saved
``results.json`` without measuring again.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from tabulate import tabulate

README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
RSS_SLACK_MB = 50.0

# figure key -> the figures its ratio column compares it with
_RATIOS: dict[str, list[str]] = {
    "f2": ["f1"],
    "validate": ["f2"],
    "ingest_sqlite": ["f2", "naive_commit_per_row", "naive_commit_per_bundle"],
    "ingest_sqlite_serial": ["f2", "naive_commit_per_row"],
    "ingest_postgres": ["f2", "naive_commit_per_row"],
    "ingest_postgres_serial": ["f2"],
    "ingest_postgres_2w": ["ingest_postgres_serial"],
    "naive_commit_per_row": ["f2"],
    "naive_commit_per_bundle": ["f2"],
    "sftp_cvbridge": ["sftp_openssh"],
    "poll_sftp": ["sftp_openssh", "ingest_sqlite"],
    "sftp_cvbridge_big": ["sftp_openssh_big"],
    "validate_cmd_1": ["f2", "validate"],
    "validate_cmd": ["f2", "validate_cmd_1"],
    "ingest_sqlite_cmd": ["f2", "ingest_sqlite"],
    "poll_local_cmd": ["ingest_sqlite_cmd"],
    "ingest_postgres_cmd": ["f2", "ingest_postgres"],
}
_SHORT = {"f1": "F1", "f2": "F2", "naive_commit_per_row": "naive/row",
          "naive_commit_per_bundle": "naive/bundle", "ingest_postgres_serial": "1 worker",
          "ingest_sqlite": "ingest SQLite", "sftp_openssh": "OpenSSH",
          "sftp_openssh_big": "OpenSSH", "validate": "in-process",
          "validate_cmd_1": "1 job", "ingest_postgres": "in-process",
          "ingest_sqlite_cmd": "ingest command"}
# (target, figure, reference, minimum ratio of CVs/s)
_RATIO_TARGETS = [
    ("validate >= 0.7 x F2", "validate", "f2", 0.7),
    ("ingest SQLite >= 0.5 x F2", "ingest_sqlite", "f2", 0.5),
    ("ingest PostgreSQL >= 0.35 x F2", "ingest_postgres", "f2", 0.35),
    ("ingest SQLite >= 3 x naive peer (commit per row)", "ingest_sqlite",
     "naive_commit_per_row", 3.0),
    ("2 workers >= 1.7 x 1 worker (PostgreSQL, no read-ahead)", "ingest_postgres_2w",
     "ingest_postgres_serial", 1.7),
    ("SFTP download >= 0.5 x OpenSSH sftp", "sftp_cvbridge", "sftp_openssh", 0.5),
    ("command: validate (every core) >= 0.9 x F2", "validate_cmd", "f2", 0.9),
    ("command: ingest SQLite >= 0.6 x F2", "ingest_sqlite_cmd", "f2", 0.6),
    ("command: ingest PostgreSQL >= 0.45 x F2", "ingest_postgres_cmd", "f2", 0.45),
    ("command: poll --once >= 0.9 x ingest command", "poll_local_cmd", "ingest_sqlite_cmd",
     0.9),
]
# (target, figure, key of its extra figures, maximum): what must stay under a ceiling
_CEILING_TARGETS = [
    ("store bytes <= 1.3 x bundle bytes (SQLite, after the batch)", "ingest_sqlite_cmd",
     "store_ratio_median", 1.3),
    ("WAL peak <= 1.5 x database (SQLite, during the batch)", "ingest_sqlite_cmd",
     "wal_peak_ratio_median", 1.5),
]
# (target, key of the start-up figures, maximum)
_STARTUP_TARGETS = [
    ("start-up: --help <= 0.25 s", "help_s", 0.25),
    ("start-up: validate one bundle <= 0.25 s", "validate_one_s", 0.25),
    ("start-up: --help peak RSS <= 60 MB", "help_peak_mb", 60.0),
]


def _rate(figures: dict[str, Any], key: str) -> float:
    figure = figures.get(key, {})
    return float(figure["cvs_per_s"]) if figure.get("status") == "ok" else math.nan


def _ceiling(name: str, value: float | None, maximum: float) -> dict[str, Any]:
    return {"target": name, "measured": None if value is None else round(value, 2),
            "threshold": maximum,
            "result": "SKIP" if value is None else "PASS" if value <= maximum else "MISS"}


def _targets(figures: dict[str, Any], rss: dict[str, Any], startup: dict[str, Any]
             ) -> list[dict[str, Any]]:
    targets = []
    for name, key, reference, minimum in _RATIO_TARGETS:
        ratio = _rate(figures, key) / _rate(figures, reference)
        targets.append({"target": name, "measured": None if math.isnan(ratio) else
                        round(ratio, 2), "threshold": minimum,
                        "result": "SKIP" if math.isnan(ratio) else
                        "PASS" if ratio >= minimum else "MISS"})
    for backend, runs in rss.items():
        small, big = runs.get("small"), runs.get("big")
        name = f"peak RSS, {backend}: big bundle <= small bundle + {RSS_SLACK_MB:.0f} MB"
        if not (small and big):
            targets.append({"target": name, "measured": None, "threshold": RSS_SLACK_MB,
                            "result": "SKIP"})
            continue
        growth = big["peak_mb"] - small["peak_mb"]
        targets.append({"target": name, "measured": round(growth, 1),
                        "threshold": RSS_SLACK_MB,
                        "result": "PASS" if growth <= RSS_SLACK_MB else "MISS"})
    for name, key, extra, maximum in _CEILING_TARGETS:
        targets.append(_ceiling(name, figures.get(key, {}).get(extra), maximum))
    for name, key, maximum in _STARTUP_TARGETS:
        targets.append(_ceiling(name, startup.get(key), maximum))
    return targets


def build(meta: dict[str, Any], figures: dict[str, Any], rss: dict[str, Any],
          startup: dict[str, Any] | None = None) -> dict[str, Any]:
    startup = startup or {}
    return {"meta": meta, "figures": figures, "rss": rss, "startup": startup,
            "targets": _targets(figures, rss, startup)}


def _ratio_text(figures: dict[str, Any], key: str) -> str:
    parts = []
    for reference in _RATIOS.get(key, []):
        ratio = _rate(figures, key) / _rate(figures, reference)
        if not math.isnan(ratio):
            parts.append(f"{ratio:.2f} x {_SHORT[reference]}")
    return ", ".join(parts)


def _store_text(figure: dict[str, Any]) -> str:
    if "store_ratio_median" not in figure:
        return ""
    return (f"store {figure['store_ratio_median']:.2f} x bundles, "
            f"WAL peak {figure['wal_peak_ratio_median']:.2f} x database")


def _number(value: float, digits: int = 0) -> str:
    return "" if math.isnan(value) else f"{value:,.{digits}f}"


def _cores(figure: dict[str, Any]) -> str:
    """CPU seconds of the ingest processes (and of the PostgreSQL server) per wall second:
    well under the machine's cores means waiting, or other work on the machine."""
    if "workers_cpu_s_median" not in figure:
        return ""
    cpu = figure["workers_cpu_s_median"] + figure.get("server_cpu_s_median", 0.0)
    return f"{cpu / figure['median_s']:.2f}"


def _waited(figure: dict[str, Any]) -> str:
    """Seconds the ingest processes were runnable with no CPU free (other work)."""
    wait = figure.get("workers_runqueue_wait_s_median")
    return "" if wait is None else f"{wait:.1f}"


def tables(results: dict[str, Any], fmt: str) -> str:
    figures, rss = results["figures"], results["rss"]
    rows = []
    for key, figure in figures.items():
        if figure["status"] == "ok":
            rows.append([figure["label"], _number(figure["cvs_per_s"]),
                         _number(figure["mb_per_s"], 1), f"{figure['median_s']:.2f}",
                         len(figure["seconds"]), _cores(figure), _waited(figure),
                         ", ".join(filter(None, [_ratio_text(figures, key),
                                                 _store_text(figure)]))])
        else:
            rows.append([figure["label"], "", "", "", "", "", "", figure["status"]])
    out = [tabulate(rows, ["figure", "CVs/s", "MB/s", "median s", "runs", "cores busy",
                           "CPU wait s", "ratio"], fmt, disable_numparse=True)]
    rss_rows = [[backend, which, run["cvs"], f"{run['bytes'] / 1e6:.1f}",
                 f"{run['ready_mb']:.1f}", f"{run['peak_mb']:.1f}"]
                for backend, runs in rss.items() for which, run in runs.items()]
    if rss_rows:
        out.append(tabulate(rss_rows, ["peak RSS, fresh process", "bundle", "CVs", "bundle MB",
                                       "RSS after imports MB", "peak RSS MB"], fmt,
                            disable_numparse=True))
    startup = results.get("startup") or {}
    if startup:
        out.append(tabulate(
            [["cvbridge --help", f"{startup['help_s']:.3f}", f"{startup['help_peak_mb']:.1f}"],
             [f"cvbridge validate {startup['validate_one_bundle']}",
              f"{startup['validate_one_s']:.3f}", ""]],
            [f"start-up, fresh process (median of {startup['runs']})", "wall s",
             "peak RSS MB"], fmt, disable_numparse=True))
    out.append(tabulate([[t["target"], "" if t["measured"] is None else t["measured"],
                          t["result"]] for t in results["targets"]],
                        ["target", "measured", "result"], fmt, disable_numparse=True))
    return "\n\n".join(out)


def summary(results: dict[str, Any]) -> str:
    meta = results["meta"]
    corpus = meta["corpus"]
    return (f"{meta['date']}, {meta['cpus']} cores, Python {meta['python']}, "
            f"SQLite {meta['sqlite']}, {meta.get('postgres', 'no PostgreSQL')}. Corpus: "
            f"{corpus['bundles']} bundles x {corpus['per_bundle']} CVs "
            f"({corpus['cvs']:,} CVs, {corpus['bytes'] / 1e6:.0f} MB) plus one bundle of "
            f"{corpus['big']} CVs; median of {meta['repeat']} runs; MB = 10^6 bytes of bundle "
            "files. Load average (1 min) before/after: "
            f"{meta.get('loadavg_1min_before', '?')}/{meta.get('loadavg_1min_after', '?')}.")


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def rewrite_readme(results: dict[str, Any], readme: Path) -> None:
    """Replace what lies between the bench markers of ``readme``."""
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{readme}: no {README_START} ... {README_END} section")
    body = (f"{README_START}\n<!-- written by `make bench` (bench/report.py); "
            "do not edit by hand -->\n\n"
            f"{summary(results)}\n\n{tables(results, 'github')}\n{README_END}")
    readme.write_text(pattern.sub(lambda _: body, text, count=1))
