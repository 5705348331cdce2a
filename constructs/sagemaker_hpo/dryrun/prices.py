"""On-demand prices of SageMaker training instances: a small table shipped with the package, with its source and date.

The table (``sagemaker_hpo/data/sagemaker-training-prices.json``) turns the instance-hours ceiling into dollars. It
holds common types in one region at one date; ``--price-per-hour`` gives any other price.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .._data_files import load_json

#: The package data file of the price table.
PRICE_TABLE = "sagemaker-training-prices.json"


@dataclass(frozen=True)
class InstancePrice:
    """The price of one instance-hour and where it comes from.

    :param per_hour: US dollars per instance-hour.
    :param source: where the figure comes from (the pricing page, or ``--price-per-hour``).
    :param as_of: when the figure was taken. Default: None (given on the command line).
    """

    per_hour: float
    source: str
    as_of: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The price for ``report.json``."""
        return {"usd_per_instance_hour": self.per_hour, "source": self.source, "as_of": self.as_of}


@functools.cache
def price_table() -> dict[str, Any]:
    """The shipped price table."""
    table: dict[str, Any] = load_json(f"data/{PRICE_TABLE}")
    return table


def instance_price(instance_type: str | None, per_hour: float | None = None) -> InstancePrice | None:
    """The price of one hour of ``instance_type``: ``per_hour`` when given, else the table's (None if it has none).

    :param per_hour: a price given on the command line (``--price-per-hour``). Default: the table's.
    """
    if per_hour is not None:
        return InstancePrice(per_hour, "--price-per-hour")
    table = price_table()
    price = table["per_instance_hour"].get(instance_type or "")
    if price is None:
        return None
    return InstancePrice(float(price), f"{table['source']}, {table['region']}", table["as_of"])
