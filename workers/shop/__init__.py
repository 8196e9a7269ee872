"""The shop's domain: orders, stock, fraud scoring, payments, shipments, settlement and stock policies.

Pure Python over one SQLite file; nothing here knows about Zeebe. The job handlers in :mod:`workers`
translate process variables into these calls and domain errors into BPMN errors.
"""

from workers.shop.errors import (
    InvalidOrder,
    OrderNotFound,
    OutOfStock,
    PaymentDeclined,
    PaymentStateError,
    ShopDataError,
    ShopError,
)
from workers.shop.fraud import RULES as FRAUD_RULES
from workers.shop.fraud import FraudAssessment, RuleHit
from workers.shop.models import Line, OrderIn, ValidOrder, cents, euros
from workers.shop.payments import LocalPaymentProvider, PaymentMethod, PaymentProvider, PaymentResult
from workers.shop.policies import PolicyChange, PolicyRow
from workers.shop.settlement import SettlementEntry
from workers.shop.shipments import Shipment
from workers.shop.shop import Shop, ShopBalances
from workers.shop.stock import Reservation, Shortage, StockCheck

__all__ = [
    "FRAUD_RULES",
    "FraudAssessment",
    "InvalidOrder",
    "Line",
    "LocalPaymentProvider",
    "OrderIn",
    "OrderNotFound",
    "OutOfStock",
    "PaymentDeclined",
    "PaymentMethod",
    "PaymentProvider",
    "PaymentResult",
    "PaymentStateError",
    "PolicyChange",
    "PolicyRow",
    "Reservation",
    "RuleHit",
    "SettlementEntry",
    "Shipment",
    "Shop",
    "ShopBalances",
    "ShopDataError",
    "ShopError",
    "Shortage",
    "StockCheck",
    "ValidOrder",
    "cents",
    "euros",
]
