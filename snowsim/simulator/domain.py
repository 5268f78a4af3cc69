"""The shop's reference data: customers, products and warehouses, built once per seed with Faker."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from faker import Faker

# The catalogue is the shop, not the traffic: it uses its own fixed seed so that every scenario
# (whatever its traffic seed) sells the same products to the same customers.
CATALOGUE_SEED = 20260105

ORDER_STATUSES = ("CREATED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED")
PAYMENT_METHODS = ("CARD", "PAYPAL", "TRANSFER", "APPLE_PAY")
ADJUSTMENT_TYPES = ("RESTOCK", "SALE", "DAMAGE", "RETURN", "CORRECTION")
CARRIERS = ("COLISSIMO", "CHRONOPOST", "DHL", "UPS", "DPD")
WINE_CATEGORIES = ("ROUGE", "BLANC", "ROSE", "CHAMPAGNE", "SPIRITUEUX")

# (name, price in EUR). Wines get a vintage appended when the catalogue is built.
_PRODUCTS: dict[str, tuple[tuple[str, float], ...]] = {
    "ROUGE": (
        ("Château Margaux, Margaux 1er Grand Cru Classé", 689.00),
        ("Château Figeac, Saint-Émilion Grand Cru", 245.00),
        ("Château Pape Clément, Pessac-Léognan", 98.00),
        ("Château Cantemerle, Haut-Médoc", 32.50),
        ("Domaine Tempier, Bandol", 39.90),
        ("Marcel Lapierre, Morgon", 24.50),
        ("Domaine Bernard Baudry, Chinon Les Grézeaux", 21.00),
        ("Alain Graillot, Crozes-Hermitage", 34.00),
        ("E. Guigal, Côtes du Rhône", 12.90),
        ("Domaine de la Janasse, Châteauneuf-du-Pape", 54.00),
        ("Domaine Comte Armand, Pommard 1er Cru Clos des Epeneaux", 135.00),
        ("Château de Pibarnon, Bandol", 36.00),
        ("Mas de Daumas Gassac, IGP Pays d'Hérault", 49.00),
        ("Domaine Jamet, Côte-Rôtie", 89.00),
    ),
    "BLANC": (
        ("Domaine Leflaive, Puligny-Montrachet", 165.00),
        ("William Fèvre, Chablis 1er Cru Montmains", 38.00),
        ("Domaine Huet, Vouvray Le Haut-Lieu Sec", 33.00),
        ("Didier Dagueneau, Pouilly-Fumé Pur Sang", 112.00),
        ("Domaine Zind-Humbrecht, Riesling Clos Windsbuhl", 58.00),
        ("Château d'Yquem, Sauternes", 420.00),
        ("Domaine Vacheron, Sancerre", 29.50),
        ("Château Smith Haut Lafitte Blanc, Pessac-Léognan", 119.00),
        ("Domaine Trimbach, Riesling", 19.90),
        ("Domaine de l'Ecu, Muscadet Sèvre et Maine", 14.50),
    ),
    "ROSE": (
        ("Château d'Esclans, Whispering Angel", 22.90),
        ("Domaines Ott, Château de Selle", 42.00),
        ("Château Minuty, Prestige", 19.50),
        ("Domaine Tempier, Bandol Rosé", 37.00),
        ("Château Sainte Marguerite, Symphonie", 26.00),
        ("Domaine de la Mordorée, Tavel", 21.50),
    ),
    "CHAMPAGNE": (
        ("Champagne Krug, Grande Cuvée", 239.00),
        ("Champagne Bollinger, Spécial Cuvée Brut", 59.00),
        ("Champagne Ruinart, Blanc de Blancs", 89.00),
        ("Champagne Billecart-Salmon, Brut Rosé", 85.00),
        ("Champagne Taittinger, Brut Réserve", 45.00),
        ("Champagne Pol Roger, Brut Réserve", 52.00),
        ("Champagne Dom Pérignon", 245.00),
        ("Champagne Jacquesson, Cuvée 746", 68.00),
    ),
    "SPIRITUEUX": (
        ("Cognac Hennessy XO", 199.00),
        ("Armagnac Château de Laubade VSOP", 49.00),
        ("Calvados Christian Drouin Pays d'Auge", 42.00),
        ("Rhum Clément Très Vieux Rhum Agricole VSOP", 46.00),
        ("Whisky Armorik Classic, Bretagne", 44.00),
        ("Chartreuse Verte", 38.50),
        ("Cognac Rémy Martin VSOP", 49.90),
    ),
    "ACCESSOIRES": (
        ("Tire-bouchon sommelier Laguiole", 54.00),
        ("Carafe à décanter 1,5 L", 39.00),
        ("Coffret 6 verres à vin Riedel", 79.00),
        ("Bouchon hermétique pour champagne", 9.90),
        ("Seau à glace inox", 34.00),
    ),
    "EPICERIE": (
        ("Foie gras de canard entier 180 g", 32.00),
        ("Terrine de campagne au poivre vert", 8.50),
        ("Comté 24 mois, 250 g", 11.90),
        ("Chocolats noirs assortis, 250 g", 19.00),
    ),
    "CAVE_ELECTRIQUE": (
        ("Cave de vieillissement 48 bouteilles", 649.00),
        ("Cave de service double zone 18 bouteilles", 329.00),
    ),
    "LIVRES": (
        ("Atlas mondial du vin", 49.90),
        ("Le goût du vin, Émile Peynaud", 29.00),
    ),
}

_WAREHOUSES = (
    ("WH-01", "Bordeaux - Mérignac"),
    ("WH-02", "Paris - Rungis"),
    ("WH-03", "Lyon - Vénissieux"),
    ("WH-04", "Reims - Caves Saint-Nicaise"),
)


@dataclass(frozen=True, slots=True)
class Customer:
    """A shop customer and the address orders ship to."""

    customer_id: str
    name: str
    email: str
    street: str
    city: str
    postal_code: str
    region: str
    country: str
    signup_date: date


@dataclass(frozen=True, slots=True)
class Product:
    """A catalogue item, its price, the warehouse that holds it and the stock at the start of a run."""

    product_id: str
    name: str
    category: str
    unit_price: float
    warehouse_id: str
    initial_stock: int


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A warehouse of the shop."""

    warehouse_id: str
    location: str


@dataclass(frozen=True)
class Catalogue:
    """The pools events are drawn from; immutable so one instance can be shared by every run."""

    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    warehouses: tuple[Warehouse, ...]

    def warehouse(self, warehouse_id: str) -> Warehouse:
        """The warehouse with this id."""
        return next(w for w in self.warehouses if w.warehouse_id == warehouse_id)


def _ascii(text: str) -> str:
    # "Élodie.D'Ornano" -> "elodie.dornano": an email's local part without accents, spaces or quotes.
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain if ch.isalnum() or ch in ".-")


def _customers(count: int, seed: int) -> tuple[Customer, ...]:
    fr, us = Faker("fr_FR"), Faker("en_US")
    fr.seed_instance(seed)
    us.seed_instance(seed + 1)
    rng = random.Random(seed)
    out = []
    for i in range(1, count + 1):
        # Mostly French customers, some from the US: the shop ships abroad.
        if rng.random() < 0.85:
            fake, region, country = fr, fr.region(), "FR"
        else:
            fake, region, country = us, us.state(), "US"
        first, last = fake.first_name(), fake.last_name()
        local = _ascii(f"{first}.{last}".lower())
        out.append(
            Customer(
                customer_id=f"CUST-{i:06d}",
                name=f"{first} {last}",
                email=f"{local}@{fake.free_email_domain()}",
                street=fake.street_address(),
                city=fake.city(),
                postal_code=fake.postcode(),
                region=region,
                country=country,
                # Absolute bounds: relative ones ("-5y") would change the catalogue every day.
                signup_date=fake.date_between(date(2018, 1, 1), date(2025, 12, 31)),
            )
        )
    return tuple(out)


def _products(seed: int, warehouses: tuple[Warehouse, ...]) -> tuple[Product, ...]:
    rng = random.Random(seed)
    out = []
    for category, items in _PRODUCTS.items():
        for name, price in items:
            if category in WINE_CATEGORIES and category != "SPIRITUEUX":
                name = f"{name} {rng.randint(2012, 2022)}"
            out.append(
                Product(
                    product_id=f"PRD-{len(out) + 1:04d}",
                    name=name,
                    category=category,
                    unit_price=price,
                    warehouse_id=rng.choice(warehouses).warehouse_id,
                    initial_stock=rng.randint(24, 240),
                )
            )
    return tuple(out)


@lru_cache(maxsize=4)
def build_catalogue(seed: int = CATALOGUE_SEED, customers: int = 2000) -> Catalogue:
    """Build (once per arguments, then cached) the deterministic catalogue: Faker is slow, events must not call it."""
    warehouses = tuple(Warehouse(w, loc) for w, loc in _WAREHOUSES)
    return Catalogue(_customers(customers, seed), _products(seed, warehouses), warehouses)
