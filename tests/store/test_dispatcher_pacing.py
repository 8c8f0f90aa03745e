"""Pacing and backoff of the outbox dispatcher (no store needed)."""

import asyncio
import random

import pytest

from bot.outbox.limits import RateLimiter, RetryPolicy


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 5, 10), (2, 10, 20), (3, 20, 40), (7, 30, 60), (30, 30, 60)],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempts: int, low: float, high: float) -> None:
    policy = RetryPolicy(base_delay=10, max_delay=60)
    delays = [policy.delay(attempts, random.Random(seed)) for seed in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1


async def test_the_rate_limiter_never_lets_more_than_its_rate_into_one_second() -> None:
    limiter = RateLimiter(40)
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        stamps.append(loop.time())
        limiter.release()

    await asyncio.gather(*(one() for _ in range(70)))
    assert len(stamps) == 70
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t < start + 1.0) <= 40


async def test_a_request_holds_its_place_in_the_window_until_its_answer_is_back() -> None:
    # The provider counts a request when it arrives: anywhere between its start and its answer.
    limiter = RateLimiter(10)
    loop = asyncio.get_running_loop()
    spans: list[tuple[float, float]] = []

    async def one() -> None:
        await limiter.acquire()
        started = loop.time()
        await asyncio.sleep(0.3)
        spans.append((started, loop.time()))
        limiter.release()

    await asyncio.gather(*(one() for _ in range(25)))
    assert len(spans) == 25
    for started, _ in spans:
        # Every request that could reach the provider less than a second before this one did.
        sharing = [1 for other, answered in spans if other <= started and answered > started - 1]
        assert len(sharing) <= 10


async def test_no_request_starts_while_the_provider_asked_to_wait() -> None:
    limiter = RateLimiter(100)
    loop = asyncio.get_running_loop()
    limiter.pause(0.3)
    paused_at = loop.time()
    await limiter.acquire()
    assert loop.time() - paused_at >= 0.3
    limiter.release()


async def test_no_more_requests_are_out_at_once_than_the_concurrency_allows() -> None:
    limiter = RateLimiter(1000, concurrency=3)
    out = 0
    most = 0

    async def one() -> None:
        nonlocal out, most
        await limiter.acquire()
        out += 1
        most = max(most, out)
        await asyncio.sleep(0.02)
        out -= 1
        limiter.release()

    await asyncio.gather(*(one() for _ in range(12)))
    assert most == 3
