"""String and hash functions: SPLIT_PART, ILIKE, concatenation, HASH, MD5, SHA2, UUID_STRING."""

from __future__ import annotations

import hashlib
import re

from tests.emulator.functions.conftest import failure, row


def test_split_part_example(cur):
    """docs: sql-reference/functions/split_part - parts counted from 1; 0 is 1; negative counts from the end."""
    got = row(cur, "select split_part('11.22.33', '.', 0), split_part('11.22.33', '.', 1), "
                   "split_part('11.22.33', '.', 2), split_part('11.22.33', '.', 3), split_part('11.22.33', '.', 4), "
                   "split_part('11.22.33', '.', -1), split_part('11.22.33', '.', -2), split_part('11.22.33', '.', -4)")
    assert got == ("11", "11", "22", "33", "", "33", "22", "")


def test_ilike(cur):
    """docs: sql-reference/functions/ilike - case-insensitive LIKE."""
    assert row(cur, "select 'John Dddoe' ilike '%j%h%do%', 'John Dddoe' like '%j%h%do%', 'x' not ilike 'X'") == (
        True, False, False)


def test_concatenation(cur):
    """docs: sql-reference/functions/concat - || and CONCAT; a NULL argument makes the result NULL."""
    assert row(cur, "select 'a' || 'b', concat('a', 'b', 'c'), 'a' || null") == ("ab", "abc", None)


def test_md5_and_sha2(cur):
    """docs: sql-reference/functions/md5, sha2 - lowercase hex digests of the UTF-8 bytes (SHA-256 by default)."""
    assert row(cur, "select md5('Snowflake'), sha2('Snowflake'), sha2('Snowflake', 256)") == (
        hashlib.md5(b"Snowflake").hexdigest(), hashlib.sha256(b"Snowflake").hexdigest(),
        hashlib.sha256(b"Snowflake").hexdigest())


def test_sha2_other_sizes_are_named(cur):
    """docs: sha2 - 224, 384 and 512 are valid in Snowflake; snowsim refuses them by name."""
    err = failure(cur, "select sha2('x', 512)")
    assert err.sqlstate == "0A000" and "SHA2" in err.raw_msg


def test_hash_is_a_deterministic_signed_64_bit_number(cur):
    """docs: sql-reference/functions/hash - a signed 64-bit value; snowsim's values differ from Snowflake's."""
    a, b, c = row(cur, "select hash(1, 'a'), hash(1, 'a'), hash(2, 'a')")
    assert a == b != c and -(2**63) <= a < 2**63 and isinstance(a, int)


def test_hash_star_is_named(cur):
    """docs: hash - HASH(*) is not emulated."""
    err = failure(cur, "select hash(*) from (select 1 a)")
    assert err.sqlstate == "0A000" and "HASH(*)" in err.raw_msg


def test_uuid_string(cur):
    """docs: sql-reference/functions/uuid_string - a random version-4 UUID as text."""
    a, b = row(cur, "select uuid_string(), uuid_string()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", a) and a != b


def test_uuid_string_version_5_is_named(cur):
    """docs: uuid_string(uuid, name) - version 5 UUIDs are not emulated."""
    err = failure(cur, "select uuid_string('fe971b24-9572-4005-b22f-351e9c09274d', 'foo')")
    assert err.sqlstate == "0A000" and "UUID_STRING" in err.raw_msg


def test_unknown_function_is_named(cur):
    """Functions snowsim does not know are refused by name (never answered by something else)."""
    err = failure(cur, "select editdistance_ng('a', 'b')")
    assert err.sqlstate == "0A000" and "EDITDISTANCE_NG" in err.raw_msg
