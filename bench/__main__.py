"""Benchmarks of Công vụ measured against the database's own floor (issue 14).

    python -m bench run --staff 20000 --db sqlite:///tmp/congvu_bench.db
    python -m bench run --staff 20000 --db postgresql+psycopg://postgres@127.0.0.1:5432/congvu_bench
    python -m bench http --db sqlite:///tmp/congvu_bench_http.db --seconds 15

`run` builds a province of N staff (files in a temporary folder, history set-wise), then times
each batch operation through the app and through hand-written SQL, each in a process of its
own, from copies of the same starting state, and checks that both produced the same rows.
`http` serves the app and a bare Flask app with gunicorn and drives both with wrk.
Databases are created and dropped by the benchmark (PostgreSQL: names starting congvu_bench).
"""
import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Where the JSON and EXPLAIN files go (BENCH_RESULTS: elsewhere, e.g. the smoke test's folder).
RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


def _fmt(value, digits=2):
    return "NA" if value is None else f"{value:.{digits}f}"


def run(args) -> None:
    from bench import ops, province

    names = args.ops.split(",") if args.ops else list(ops.OPS)
    RESULTS.mkdir(exist_ok=True)
    unknown = set(names) - set(ops.OPS)
    if unknown:
        raise SystemExit(f"unknown ops: {', '.join(sorted(unknown))}; known: {', '.join(ops.OPS)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="congvu_bench_") as tmp:
        folder = Path(tmp)
        store = province.Store(args.db, folder)
        shape = province.write_files(args.staff, folder)
        needed = {ops.OPS[op] for op in names + (args.explain.split(",") if args.explain else [])}
        province.build_units(store, store.name("units"), folder)
        if needed - {"units"}:
            store.copy(store.name("units"), store.name("base"))
            province.build_history(store, store.name("base"), folder)
        if "opened" in needed:
            store.copy(store.name("base"), store.name("opened"))
            province.build_opened(store, store.name("opened"))
        if "classified" in needed:
            store.copy(store.name("base"), store.name("classified"))
            province.build_classified(store, store.name("classified"))
        built = time.perf_counter() - started
        print(f"# {store.kind} staff={args.staff} units={shape['units']} front_desk={shape['front_desk']} "
              f"with_email={shape['with_email']} largest_unit={shape['largest_unit']} "
              f"built_in={built:.1f}s", flush=True)
        lines = []
        try:
            for op in names:
                result = ops.time_op(store, op, folder, args.timeout)
                app, floor = result["app"], result["floor"]
                ratio = app["seconds"] / floor["seconds"] if floor["seconds"] else None
                more = ">" if app["timed_out"] else ""
                print(f"op={op} db={store.kind} staff={args.staff} app_s={more}{_fmt(app['seconds'])} "
                      f"floor_s={_fmt(floor['seconds'])} ratio={more}{_fmt(ratio)} "
                      f"peak_rss_mb={_fmt(app['peak_rss_mb'], 0)} "
                      f"statements={'NA' if app['statements'] is None else app['statements']}", flush=True)
                lines.append({**result, "ratio": ratio})
            write_json(store, args, shape, built, lines, started)
            for op in args.explain.split(",") if args.explain else []:
                out = RESULTS / f"explain-{store.kind}-{args.staff}-{op}.txt"
                ops.explain_op(store, op, folder, out)
                print(f"# wrote {out}", flush=True)
        finally:
            for suffix in ("units", "base", "opened", "classified"):
                store.drop(store.name(suffix))
    print(f"# done in {time.perf_counter() - started:.1f}s")


def write_json(store, args, shape, built, lines, started) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{store.kind}-{args.staff}-{stamp}.json"
    out.write_text(json.dumps({"db": store.kind, "staff": args.staff, "province": shape, "build_s": built,
                               "total_s": time.perf_counter() - started, "timeout_s": args.timeout,
                               "ops": lines}, indent=1, default=str))
    print(f"# wrote {out}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    batch = sub.add_parser("run", help="batch operations against their SQL floor")
    batch.add_argument("--staff", type=int, default=20000)
    batch.add_argument("--db", required=True, help="SQLAlchemy URL (sqlite:///FILE or postgresql+psycopg://…)")
    batch.add_argument("--ops", help="comma-separated subset of the operations")
    batch.add_argument("--timeout", type=float, default=600,
                       help="seconds before an op is stopped and reported as a lower bound (app_s=>T)")
    batch.add_argument("--explain",
                       help="ops whose writes to EXPLAIN (ANALYZE, BUFFERS) afterwards (PostgreSQL)")
    web = sub.add_parser("http", help="pages under load against a bare Flask floor")
    web.add_argument("--db", required=True)
    web.add_argument("--seconds", type=int, default=15)
    web.add_argument("--connections", type=int, default=50)
    web.add_argument("--port", type=int, default=5401)
    web.add_argument("--province", type=int, default=0,
                     help="instead of the demo data, a generated province of this many staff (slow at "
                          "200000: not part of make bench)")
    web.add_argument("--team", type=int, default=100,
                     help="with --province: the head whose team is closest to this size")
    web.add_argument("--pages", help="comma-separated subset: team,assessment,feedback-post,login,home,"
                                     "layout (an empty signed-in page in the layout)")
    kid = sub.add_parser("child")
    kid.add_argument("side", choices=("app", "floor"))
    kid.add_argument("op")
    kid.add_argument("url")
    kid.add_argument("folder")
    from bench import ranking

    ranking.add_commands(sub)  # the province ranking page (issue 13), in its own module
    args = parser.parse_args()
    if ranking.dispatch(args):
        return
    if args.command == "run":
        run(args)
    elif args.command == "http":
        from bench import http

        http.main(args)
    else:
        from bench import ops

        ops.child(args.side, args.op, args.url, args.folder)


if __name__ == "__main__":
    sys.exit(main())
