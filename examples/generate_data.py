"""Generate the example shop data in ``examples/data/`` deterministically (same seed, same bytes).

Run from the repository root::

    .venv/bin/python examples/generate_data.py            # writes examples/data/
    .venv/bin/python examples/generate_data.py --check    # regenerates in memory and compares

Files:

* ``order_history.csv.gz``: 94 weeks of order lines for 300 SKUs (weekly and yearly seasonality,
  promotions with price cuts, intermittent and lumpy items, launches, discontinued items, returns and a
  few broken rows), made by :func:`autoops.forecast.generate_order_lines`.
* ``catalogue.csv``: one row per SKU: name, category, list price (the undiscounted price of the last six
  months), weight, supplier lead time, stock on hand (a few weeks of recent demand, some items sold out)
  and whether it is still sold (no sale in the last 60 days means discontinued).
* ``customers.csv``: the customer register the fraud score consults.
* ``orders.jsonl``: 60 new orders for ``autoops demo`` as ``order-placed`` message payloads, including
  orders that must be rejected (unknown SKU, zero quantity, bad e-mail, a country we do not ship to),
  declined cards, risky and large orders that need a review, and one that cannot be served from stock.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from autoops.forecast import generate_order_lines

SEED = 20261123
N_SKUS = 300
START, END = "2025-02-03", "2026-11-22"
N_CUSTOMERS = 400
N_ORDERS = 60
DATA = Path(__file__).resolve().parent / "data"

CATEGORIES: dict[str, tuple[list[str], tuple[int, int]]] = {
    "kitchen": (["Chef's Knife", "Cast Iron Pan", "Cutting Board", "Espresso Cups", "Salad Bowl", "Spice Rack"], (150, 2500)),
    "garden": (["Hose Reel", "Pruning Shears", "Planter", "Watering Can", "Bird Feeder", "Seed Tray"], (200, 8000)),
    "office": (["Desk Lamp", "Notebook", "Fountain Pen", "Monitor Stand", "Paper Tray", "Desk Organizer"], (50, 3500)),
    "outdoor": (["Camping Lantern", "Trekking Poles", "Dry Bag", "Hammock", "Water Bottle", "Picnic Blanket"], (150, 2500)),
    "home": (["Throw Pillow", "Wall Clock", "Scented Candle", "Photo Frame", "Door Mat", "Wool Blanket"], (100, 3000)),
    "toys": (["Wooden Puzzle", "Building Blocks", "Kite", "Board Game", "Plush Bear", "Marble Run"], (100, 1800)),
    "electronics": (["USB-C Charger", "Bluetooth Speaker", "Power Bank", "Headphones", "Smart Plug", "Webcam"], (60, 900)),
}
ADJECTIVES = ["Classic", "Nordic", "Compact", "Deluxe", "Everyday", "Pro", "Mini", "Heritage", "Urban", "Eco"]
FIRST = ["Ada", "Bruno", "Chiara", "Dario", "Elin", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Luca",
         "Maja", "Noah", "Olga", "Pablo", "Rosa", "Sven", "Tara", "Ugo", "Vera", "Wim", "Yara", "Zofia"]
LAST = ["Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Jansen", "Kowalski", "Lindqvist",
        "Moreau", "Novak", "Oliveira", "Peeters", "Rossi", "Schmidt", "Taylor", "Varga", "Weber", "Zanetti"]
COUNTRIES = ["DE", "FR", "NL", "AT", "IT", "ES", "BE", "SE", "PL", "DK", "IE", "PT", "CZ", "FI"]
COUNTRY_P = [0.28, 0.16, 0.1, 0.07, 0.08, 0.07, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02, 0.02, 0.02]
MAIL_DOMAINS = ["example.com", "example.org", "example.net"]


def history(rng_seed: int) -> pd.DataFrame:
    return generate_order_lines(N_SKUS, START, END, seed=rng_seed, bad_rows=8)


def catalogue(lines: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    clean = lines.assign(
        ordered_at=pd.to_datetime(lines["ordered_at"], errors="coerce", format="%Y-%m-%dT%H:%M:%S"),
        quantity=pd.to_numeric(lines["quantity"], errors="coerce"),
        unit_price=pd.to_numeric(lines["unit_price"], errors="coerce"),
    ).dropna(subset=["ordered_at", "quantity", "unit_price"])
    clean = clean[(clean["sku"] != "") & (clean["quantity"] > 0)]
    end = pd.Timestamp(END) + pd.Timedelta(days=1)
    recent = clean[clean["ordered_at"] >= end - pd.Timedelta(days=182)]
    list_price = recent.groupby("sku")["unit_price"].max().combine_first(clean.groupby("sku")["unit_price"].max())
    last_sale = clean.groupby("sku")["ordered_at"].max()
    four_weeks = clean[clean["ordered_at"] >= end - pd.Timedelta(days=28)].groupby("sku")["quantity"].sum() / 4.0
    rows = []
    names = list(CATEGORIES)
    for i in range(N_SKUS):
        sku = f"SKU-{i:05d}"
        category = names[int(rng.integers(len(names)))]
        nouns, (w_lo, w_hi) = CATEGORIES[category]
        name = f"{ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]} {nouns[int(rng.integers(len(nouns)))]}"
        weekly = float(four_weeks.get(sku, 0.0))
        sold_out = rng.random() < 0.05
        stock = 0 if sold_out else round(float(weekly * rng.uniform(1.5, 4.0) + rng.integers(2, 12)))
        active = int(sku in last_sale.index and last_sale[sku] >= end - pd.Timedelta(days=60))
        rows.append({
            "sku": sku,
            "name": name,
            "category": category,
            "unit_price": f"{float(list_price.get(sku, round(rng.uniform(5, 60), 2))):.2f}",
            "weight_grams": int(rng.integers(w_lo, w_hi)),
            "lead_time_days": int(rng.choice([3, 5, 7, 10, 14, 21])),
            "stock_on_hand": stock,
            "active": active,
        })
    return pd.DataFrame(rows)


def customers(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i in range(N_CUSTOMERS):
        first, last = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]
        since = pd.Timestamp("2019-01-01") + pd.Timedelta(days=int(rng.integers(0, 2800)))
        rows.append({
            "customer_id": f"C{i + 1:05d}",
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}{i + 1}@{MAIL_DOMAINS[i % 3]}",
            "country": str(rng.choice(COUNTRIES, p=COUNTRY_P)),
            "since": since.date().isoformat(),
        })
    return pd.DataFrame(rows)


def _order(number: int, when: pd.Timestamp, customer: dict[str, str], lines: list[tuple[str, int]],
           *, card: str = "4242", method: str = "card", country: str | None = None,
           billing: str | None = None, email: str | None = None) -> dict[str, object]:
    ship_to = country or customer["country"]
    return {
        "orderId": f"WEB-{100000 + number}",
        "placedAt": when.isoformat() + "Z",
        "customer": {"customerId": customer["customer_id"], "name": customer["name"],
                     "email": email if email is not None else customer["email"]},
        "shippingAddress": {"name": customer["name"], "street": f"{10 + number} Market Street",
                            "city": "Sampletown", "postalCode": f"{10000 + number * 7}", "country": ship_to},
        "billingCountry": billing or ship_to,
        "currency": "EUR",
        "payment": {"method": method, "cardLast4": card if method == "card" else None},
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
    }


def demo_orders(cat: pd.DataFrame, cust: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, object]]:
    sellable = cat[(cat["active"] == 1) & (cat["stock_on_hand"] >= 8)]
    skus = sellable["sku"].tolist()
    price = dict(zip(cat["sku"], cat["unit_price"].astype(float), strict=True))
    priced = sellable.assign(p=sellable["unit_price"].astype(float))
    # SKUs with enough stock for an order of about 1,600 EUR: the "large order" cases go to a review
    # for their amount, not because of a shortage.
    affordable = priced[priced["stock_on_hand"] >= np.ceil(1600 / priced["p"])].sort_values("p")
    expensive = affordable["sku"].tolist()[-5:]
    people = cust.to_dict("records")
    start = pd.Timestamp(END) + pd.Timedelta(days=1, hours=8)
    out = []
    for n in range(N_ORDERS):
        when = start + pd.Timedelta(minutes=int(n * 47 + rng.integers(0, 40)))
        who = people[int(rng.integers(len(people)))]
        picks = rng.choice(skus, size=int(rng.integers(1, 4)), replace=False)
        lines = [(str(s), int(rng.integers(1, 4))) for s in picks]
        kind = n % 20
        if n < 40 and kind == 3:      # rejected: SKU not in the catalogue
            order = _order(n, when, who, [*lines, ("SKU-99999", 1)])
        elif n < 40 and kind == 7:    # rejected: zero quantity
            order = _order(n, when, who, [(lines[0][0], 0)])
        elif kind == 11 and n < 20:   # rejected: malformed e-mail
            order = _order(n, when, who, lines, email=who["email"].replace("@", " at "))
        elif kind == 11:              # rejected: we do not ship there
            order = _order(n, when, who, lines, country="US")
        elif kind == 5:               # declined card
            order = _order(n, when, who, lines, card="0002" if n < 20 else "9995")
        elif kind == 9:               # risky: new customer, disposable mail, billing elsewhere -> review
            stranger = {"customer_id": f"N{n:05d}", "name": "Sam Quick", "email": "", "country": "NL"}
            order = _order(n, when, stranger, lines, billing="GB", email=f"sam.quick{n}@mailinator.com")
        elif kind == 14:              # large order -> review
            sku = expensive[n % len(expensive)]
            order = _order(n, when, who, [(sku, int(np.ceil(1600 / price[sku])))], method="paypal")
        elif kind == 17 and n < 20:   # more units than in stock: passes checks, fails at reservation
            order = _order(n, when, who, [(lines[0][0], 100)], method="invoice")
        else:
            method = "card" if rng.random() < 0.7 else str(rng.choice(["paypal", "invoice"]))
            order = _order(n, when, who, lines, method=method)
        out.append(order)
    return out


def build() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    lines = history(SEED % 1000)
    cat = catalogue(lines, rng)
    cust = customers(rng)
    orders = demo_orders(cat, cust, rng)
    csv_text = lines.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S", float_format="%.2f").encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(csv_text)
    return {
        "order_history.csv.gz": buffer.getvalue(),
        "catalogue.csv": cat.to_csv(index=False).encode(),
        "customers.csv": cust.to_csv(index=False).encode(),
        "orders.jsonl": "".join(json.dumps(o, separators=(",", ":")) + "\n" for o in orders).encode(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args()
    files = build()
    if args.check:
        stale = [n for n, data in files.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != data]
        for name in stale:
            print(f"differs: {args.out / name}")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
