from __future__ import annotations

import pandas as pd
import pytest

from autoops.forecast import generate_order_lines


@pytest.fixture(scope="session")
def order_lines() -> pd.DataFrame:
    return generate_order_lines(24, start="2023-01-02", end="2024-12-29", seed=11)
