"""``python -m workers.shop build``: create the shop database from the example data.

``autoops demo`` does the same; this entry point exists for running the workers against a real cluster
(see docs/real-camunda.md) and for inspecting the balances afterwards (``python -m workers.shop balances``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workers.shop import Shop, ShopError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.shop", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="create a new shop database from a data folder")
    build.add_argument("--data", type=Path, default=Path("examples/data"), help="folder with catalogue.csv etc.")
    build.add_argument("--db", type=Path, default=Path(".autoops/shop.db"), help="database file to create")
    build.add_argument("--force", action="store_true", help="replace an existing database file")
    balances = commands.add_parser("balances", help="print stock and money totals as JSON")
    balances.add_argument("--db", type=Path, default=Path(".autoops/shop.db"))
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            if args.db.exists():
                if not args.force:
                    sys.stderr.write(f"{args.db} exists; pass --force to replace it\n")
                    return 1
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{args.db}{suffix}").unlink(missing_ok=True)
            args.db.parent.mkdir(parents=True, exist_ok=True)
            shop = Shop.create(args.db, args.data)
            with shop.connection() as conn:
                counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("products", "customers", "order_history")}
            sys.stdout.write(f"built {args.db}: " + ", ".join(f"{n} {t}" for t, n in counts.items()) + "\n")
        else:
            if not args.db.is_file():
                sys.stderr.write(f"no shop database at {args.db}\n")
                return 1
            sys.stdout.write(Shop(args.db).balances().model_dump_json(indent=2) + "\n")
    except ShopError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
