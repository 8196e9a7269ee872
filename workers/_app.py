"""What every handler module shares: the shop, the notification set-up and the forecast settings.

Resolved lazily from the environment on first use, so importing the handler modules (for
``autoops worker workers`` or for a test) never touches a file. Tests and ``autoops demo`` call
:func:`configure` to use their own shop file, notification config or forecast settings.

Environment: ``AUTOOPS_SHOP_DB`` (default ``.autoops/shop.db``), ``AUTOOPS_NOTIFY_CONFIG`` (default
``workers/notify.toml``), ``AUTOOPS_FORECAST_DIR`` (default ``.autoops/forecast``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from autoops.forecast import ForecastConfig
from autoops.notify import NotifyConfig
from workers.shop import Shop

__all__ = ["App", "app", "configure"]

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class App:
    shop: Shop
    notify: NotifyConfig
    forecast_dir: Path
    forecast: ForecastConfig = field(default_factory=ForecastConfig)


_lock = threading.Lock()
_current: App | None = None


def _from_environment() -> App:
    shop_db = Path(os.environ.get("AUTOOPS_SHOP_DB", ".autoops/shop.db"))
    if not shop_db.is_file():
        from autoops.worker import PermanentError

        raise PermanentError(
            f"shop database {shop_db} does not exist; build it with "
            "'python -m workers.shop build --data examples/data --db .autoops/shop.db' (or run autoops demo), "
            "or point AUTOOPS_SHOP_DB at it"
        )
    notify_file = Path(os.environ.get("AUTOOPS_NOTIFY_CONFIG", str(_HERE / "notify.toml")))
    return App(
        shop=Shop(shop_db),
        notify=NotifyConfig.from_file(notify_file),
        forecast_dir=Path(os.environ.get("AUTOOPS_FORECAST_DIR", ".autoops/forecast")),
    )


def app() -> App:
    """The current application context (from the environment unless :func:`configure` set one)."""
    global _current
    with _lock:
        if _current is None:
            _current = _from_environment()
        return _current


def configure(
    *,
    shop: Shop | None = None,
    notify: NotifyConfig | None = None,
    forecast_dir: Path | None = None,
    forecast: ForecastConfig | None = None,
    reset: bool = False,
) -> App | None:
    """Replace parts of the context (or, with ``reset=True``, forget it so the environment is read again)."""
    global _current
    with _lock:
        if reset:
            _current = None
            return None
        base = _current
        if base is None:
            if shop is None:
                raise ValueError("the first configure() call needs a shop")
            base = App(
                shop=shop,
                notify=notify or NotifyConfig.from_file(_HERE / "notify.toml"),
                forecast_dir=forecast_dir or Path(".autoops/forecast"),
            )
        changes: dict[str, object] = {}
        for name, value in (("shop", shop), ("notify", notify), ("forecast_dir", forecast_dir), ("forecast", forecast)):
            if value is not None:
                changes[name] = value
        _current = replace(base, **changes)  # type: ignore[arg-type]
        return _current
