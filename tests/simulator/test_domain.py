"""The catalogue: deterministic pools of customers, products and warehouses."""

import re

from snowsim.simulator.domain import CATALOGUE_SEED, WINE_CATEGORIES, build_catalogue

# The undecorated builder: lru_cache would hand back the same object and prove nothing about determinism.
_build = build_catalogue.__wrapped__


def test_same_seed_builds_an_equal_catalogue():
    assert _build(7, 50) == _build(7, 50)


def test_another_seed_builds_other_customers():
    assert _build(7, 50).customers != _build(8, 50).customers


def test_default_catalogue_is_cached_and_uses_the_shop_seed():
    assert build_catalogue() is build_catalogue()
    assert build_catalogue() == _build(CATALOGUE_SEED, 2000)


def test_customer_fields_are_well_formed():
    catalogue = _build(3, 200)
    ids = [c.customer_id for c in catalogue.customers]
    assert ids[0] == "CUST-000001" and all(re.fullmatch(r"CUST-\d{6}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    for c in catalogue.customers:
        assert re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9.\-]+\.[a-z]+", c.email), c.email
        assert c.name and c.street and c.city and c.postal_code and c.region
        assert c.country in {"FR", "US"}
        assert 2018 <= c.signup_date.year <= 2025
    countries = {c.country for c in catalogue.customers}
    assert countries == {"FR", "US"}  # the fr_FR + en_US mix


def test_products_cover_the_wine_shop_and_general_categories():
    catalogue = build_catalogue()
    categories = {p.category for p in catalogue.products}
    assert set(WINE_CATEGORIES) <= categories
    assert categories - set(WINE_CATEGORIES)  # accessories, grocery... sold alongside the wine
    for p in catalogue.products:
        assert re.fullmatch(r"PRD-\d{4}", p.product_id)
        assert p.unit_price > 0 and round(p.unit_price, 2) == p.unit_price
        assert p.initial_stock > 0
        if p.category in {"ROUGE", "BLANC", "ROSE", "CHAMPAGNE"}:
            assert re.search(r" 20[12]\d$", p.name), p.name  # wines carry a vintage
    assert len({p.product_id for p in catalogue.products}) == len(catalogue.products)


def test_every_product_is_stored_in_a_known_warehouse():
    catalogue = build_catalogue()
    known = {w.warehouse_id for w in catalogue.warehouses}
    assert {p.warehouse_id for p in catalogue.products} <= known
    assert catalogue.warehouse("WH-01").location.startswith("Bordeaux")
