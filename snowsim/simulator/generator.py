"""Turn a scenario and a seed into the exact, reproducible list of events to replay (plus ground truth)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from snowsim.simulator.domain import CARRIERS, Catalogue, build_catalogue
from snowsim.simulator.events import Event, gc_paused
from snowsim.simulator.faults import ControlAction, GroundTruth, apply_faults
from snowsim.simulator.scenario import Lifecycle, Scenario, Traffic, load_scenario
from snowsim.simulator.traffic import arrivals

_PAYMENT_METHODS = ("CARD",) * 6 + ("PAYPAL",) * 2 + ("APPLE_PAY", "TRANSFER")
_QUANTITIES = (1, 1, 1, 1, 2, 2, 2, 3, 3, 6, 6, 12)  # wine sells by the bottle, the half-case and the case
_PREMIUM_QUANTITIES = (1, 1, 1, 2)  # nobody buys Krug by the case
_ADJUSTMENT_TYPES = ("SALE",) * 9 + ("RESTOCK",) * 5 + ("RETURN",) * 2 + ("CORRECTION",) * 3 + ("DAMAGE",)
_CHANGES = {  # quantity_change candidates per adjustment type (negative removes stock)
    "SALE": tuple(range(-12, 0)),
    "DAMAGE": (-3, -2, -1),
    "RETURN": (1, 2, 3),
    "CORRECTION": (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5),
    "RESTOCK": (6, 12, 12, 24, 36, 48, 60, 120),
}
_ADJUSTMENT_REASONS = {
    "RESTOCK": ("Livraison fournisseur", "Réassort automatique", "Arrivage primeurs"),
    "SALE": ("Vente en boutique", "Vente en ligne", "Vente caviste partenaire"),
    "DAMAGE": ("Casse en entrepôt", "Bouchon défectueux", "Étiquette abîmée"),
    "RETURN": ("Retour client", "Retour transporteur"),
    "CORRECTION": ("Inventaire annuel", "Écart de comptage", "Erreur de saisie"),
}
_CANCEL_UNPAID = ("PAYMENT_FAILED", "CUSTOMER_REQUEST")
_CANCEL_PAID = ("CUSTOMER_REQUEST", "OUT_OF_STOCK", "ADDRESS_INVALID")
_REFUND_REASONS = ("DAMAGED_IN_TRANSIT", "CORKED_WINE", "NOT_AS_DESCRIBED", "CUSTOMER_RETURN")
_MS = timedelta(milliseconds=1)
_EVENT_TYPE = {s: f"ORDER_{s}" for s in ("PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED")}


@dataclass(frozen=True)
class Replay:
    """Everything a runner needs: events in arrival order, control actions, and the ground truth to check against."""

    scenario: Scenario
    seed: int
    events: list[Event]
    controls: list[ControlAction]
    truth: GroundTruth

    @property
    def start(self) -> datetime:
        """Start of the virtual clock."""
        return self.scenario.start

    @property
    def end(self) -> datetime:
        """End of the run."""
        return self.scenario.end


def build(scenario: Scenario | str | Path, seed: int | None = None) -> Replay:
    """Generate a scenario's events (faults applied, sorted by arrival), control actions and ground truth."""
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    seed = scn.seed if seed is None else seed
    bursts = [(_ms(f.at), _ms(f.at + f.window), f.multiplier) for f in scn.faults if f.type == "burst"]
    with gc_paused():
        base = base_events(scn.traffic, scn.start, scn.duration, seed, bursts)
        events, controls, truth = apply_faults(base, scn.faults, seed, scn.start)
    return Replay(scn, seed, events, controls, truth)


def generate(scenario: Scenario | str | Path, seed: int | None = None) -> list[Event]:
    """The scenario's events with faults applied, sorted by arrival time (ties keep generation order)."""
    return build(scenario, seed).events


def base_events(
    traffic: Traffic,
    start: datetime,
    duration: timedelta,
    seed: int,
    bursts: Sequence[tuple[int, int, float]] = (),
) -> list[Event]:
    """Fault-free events (arrival == event time) sorted by event time; lifecycle steps past the end are dropped."""
    rng = random.Random(seed)
    maker = _Maker(build_catalogue(), rng, start, _ms(duration), traffic.lifecycle)
    with gc_paused():
        for offset, kind in arrivals(traffic, start, duration, rng, bursts):
            if kind == "orders":
                maker.order(offset)
            else:
                maker.adjustment(offset)
        # Stable sort: events of one instant keep their generation order.
        maker.events.sort(key=attrgetter("event_time"))
    return maker.events


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


class _Maker:
    """Builds payloads from the catalogue pools with one Random: no Faker, no copies, per event."""

    def __init__(self, catalogue: Catalogue, rng: random.Random, start: datetime, end_ms: int, lifecycle: Lifecycle):
        self.rng = rng
        self.rand = rng.random
        self.bits = rng.getrandbits
        self.start = start
        self.end_ms = end_ms
        self.lifecycle = lifecycle
        self.step_ms = (_ms(lifecycle.step_delay[0]), _ms(lifecycle.step_delay[1]))
        self.customers = catalogue.customers
        self.products = catalogue.products
        self.locations = {w.warehouse_id: w.location for w in catalogue.warehouses}
        self.stock = [p.initial_stock for p in catalogue.products]
        self.events: list[Event] = []
        self.orders = 0
        self.adjustments = 0

    def _emit(self, offset_ms: int, event_type: str, payload: dict[str, Any], key: str) -> None:
        when = self.start + _MS * offset_ms  # cheaper than building timedelta(milliseconds=...) each time
        h = f"{self.bits(128):032x}"
        event_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        self.events.append(Event(event_id, event_type, when, when, 1, payload, key))

    def order(self, t: int) -> None:
        """An ORDER_CREATED at offset t and, if enabled, its later lifecycle events."""
        # seq[int(rand() * len(seq))] instead of rng.choice: same idea, a third of the cost, and this runs 10^6 times.
        rand = self.rand
        self.orders += 1
        order_id = f"ORD-{self.orders:08d}"
        customer = self.customers[int(rand() * len(self.customers))]
        product = self.products[int(rand() * len(self.products))]
        quantities = _PREMIUM_QUANTITIES if product.unit_price > 150 else _QUANTITIES
        quantity = quantities[int(rand() * len(quantities))]
        total = round(quantity * product.unit_price, 2)
        payment = _PAYMENT_METHODS[int(rand() * len(_PAYMENT_METHODS))]
        customer_id, product_id = customer.customer_id, product.product_id
        self._emit(
            t,
            "ORDER_CREATED",
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "product_id": product_id,
                "order_status": "CREATED",
                "product_name": product.name,
                "product_category": product.category,
                "quantity": quantity,
                "unit_price": product.unit_price,
                "total_amount": total,
                "currency": "EUR",
                "payment_method": payment,
                "shipping_address": {
                    "street": customer.street,
                    "city": customer.city,
                    "postal_code": customer.postal_code,
                    "country": customer.country,
                },
                "region": customer.region,
                "warehouse_id": product.warehouse_id,
            },
            order_id,
        )
        if not self.lifecycle.enabled:
            return
        paid = ("PAID", {"amount": total, "payment_method": payment})
        if rand() < self.lifecycle.cancel:
            if rand() < 0.5:
                steps = [paid, ("CANCELLED", {"reason": _CANCEL_PAID[int(rand() * len(_CANCEL_PAID))]})]
            else:
                steps = [("CANCELLED", {"reason": _CANCEL_UNPAID[int(rand() * len(_CANCEL_UNPAID))]})]
        else:
            carrier = CARRIERS[int(rand() * len(CARRIERS))]
            tracking = f"{carrier[:2]}{int(rand() * 10**10):010d}FR"
            shipped = {"carrier": carrier, "tracking_number": tracking, "warehouse_id": product.warehouse_id}
            steps = [paid, ("SHIPPED", shipped), ("DELIVERED", {})]
            if rand() < self.lifecycle.refund:
                reason = _REFUND_REASONS[int(rand() * len(_REFUND_REASONS))]
                steps.append(("REFUNDED", {"amount": total, "reason": reason}))
        lo, span = self.step_ms[0], self.step_ms[1] - self.step_ms[0] + 1
        for status, extra in steps:
            t += lo + int(rand() * span)
            if t >= self.end_ms:  # the rest of this order's life happens after the run
                return
            payload = {
                "order_id": order_id,
                "customer_id": customer_id,
                "product_id": product_id,
                "order_status": status,
                **extra,
            }
            self._emit(t, _EVENT_TYPE[status], payload, order_id)

    def adjustment(self, t: int) -> None:
        """An INVENTORY_ADJUSTED at offset t that keeps the product's stock level consistent and >= 0."""
        rand = self.rand
        self.adjustments += 1
        adjustment_id = f"ADJ-{self.adjustments:08d}"
        index = int(rand() * len(self.products))
        product = self.products[index]
        stock = self.stock[index]
        kind = _ADJUSTMENT_TYPES[int(rand() * len(_ADJUSTMENT_TYPES))]
        change = _pick(_CHANGES[kind], rand)
        if stock + change < 0:
            # Cannot remove what is not there: sell the last bottles, or restock an empty shelf.
            if stock > 0:
                change = -stock
            else:
                kind, change = "RESTOCK", _pick(_CHANGES["RESTOCK"], rand)
        self.stock[index] = stock + change
        self._emit(
            t,
            "INVENTORY_ADJUSTED",
            {
                "adjustment_id": adjustment_id,
                "product_id": product.product_id,
                "product_name": product.name,
                "product_category": product.category,
                "adjustment_type": kind,
                "quantity_change": change,
                "new_stock_level": stock + change,
                "reason": _pick(_ADJUSTMENT_REASONS[kind], rand),
                "warehouse_id": product.warehouse_id,
                "warehouse_location": self.locations[product.warehouse_id],
                "customer_id": None,
            },
            adjustment_id,
        )


def _pick(seq: Sequence[Any], rand: Callable[[], float]) -> Any:
    return seq[int(rand() * len(seq))]
