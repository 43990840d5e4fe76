"""The cache of verified tokens: trusted for at most its TTL, never past the token's own expiry, dropped
at once by a revocation in this process, bounded in size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cruce.core.markings import Classification
from cruce.service.tokens import ACCESS, KEY, TokenCache
from cruce.sharing.access import Organisation, Role, User

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def user(user_id: str = "usa.officer") -> User:
    return User(user_id, Organisation("cbp", "USA"), Classification.SECRET, "USA", frozenset({Role.OFFICER}))


def test_an_entry_is_trusted_for_the_ttl_and_not_a_moment_longer() -> None:
    clock = Clock()
    cache = TokenCache(timedelta(seconds=2), clock=clock)
    cache.put(KEY, "d1", user(), None, generation=cache.generation)
    clock.now = T0 + timedelta(seconds=1.999)
    assert cache.get(KEY, "d1") == user()
    clock.now = T0 + timedelta(seconds=2)
    assert cache.get(KEY, "d1") is None
    assert len(cache) == 0  # a stale entry is dropped, not kept


def test_an_access_token_is_refused_at_its_own_expiry_even_inside_the_ttl() -> None:
    clock = Clock()
    cache = TokenCache(timedelta(seconds=60), clock=clock)
    cache.put(ACCESS, "d1", user(), T0 + timedelta(seconds=5), generation=cache.generation)
    clock.now = T0 + timedelta(seconds=5)
    assert cache.get(ACCESS, "d1") is None


def test_an_access_token_and_an_api_key_with_the_same_digest_are_different_entries() -> None:
    cache = TokenCache(timedelta(seconds=60))
    cache.put(KEY, "d1", user(), None, generation=cache.generation)
    assert cache.get(ACCESS, "d1") is None  # a key presented as an access token is looked up again


def test_forget_drops_a_token_of_either_kind_and_forget_user_every_token_of_a_user() -> None:
    cache = TokenCache(timedelta(seconds=60))
    for kind, digest, who in ((KEY, "a", "u1"), (ACCESS, "a", "u1"), (KEY, "b", "u1"), (KEY, "c", "u2")):
        cache.put(kind, digest, user(who), None, generation=cache.generation)
    cache.forget("a")
    assert cache.get(KEY, "a") is None and cache.get(ACCESS, "a") is None
    assert cache.get(KEY, "b") is not None
    cache.forget_user("u1")
    assert cache.get(KEY, "b") is None
    assert cache.get(KEY, "c") == user("u2")


def test_an_answer_read_before_a_revocation_here_is_not_cached_after_it() -> None:
    cache = TokenCache(timedelta(seconds=60))
    generation = cache.generation  # a request starts its database look-up
    cache.forget("a")  # meanwhile another request revokes the token and forgets it
    cache.put(KEY, "a", user(), None, generation=generation)  # the look-up's (older) answer arrives
    assert cache.get(KEY, "a") is None


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = TokenCache(timedelta(seconds=60), max_entries=3)
    for digest in "abc":
        cache.put(KEY, digest, user(), None, generation=cache.generation)
    assert cache.get(KEY, "a") is not None  # a is used again: b is now the oldest
    cache.put(KEY, "d", user(), None, generation=cache.generation)
    assert len(cache) == 3
    assert cache.get(KEY, "b") is None
    assert all(cache.get(KEY, d) is not None for d in "acd")


def test_a_zero_ttl_turns_the_cache_off() -> None:
    cache = TokenCache(timedelta(0))
    cache.put(KEY, "a", user(), None, generation=cache.generation)
    assert cache.get(KEY, "a") is None
    assert len(cache) == 0


def test_max_entries_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        TokenCache(max_entries=0)
