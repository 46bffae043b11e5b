"""Signing keys made ahead of CreateUserPool (`crypto.keys.KeyReserve`)."""

from __future__ import annotations

import os
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.crypto.keys import KeyReserve


def _wait_ready(reserve: KeyReserve, count: int) -> None:
    deadline = time.monotonic() + 30
    while reserve.ready() < count:
        assert time.monotonic() < deadline, f"{reserve.ready()} of {count} keys made"
        time.sleep(0.01)


def test_nothing_is_made_before_the_first_take() -> None:
    reserve = KeyReserve(size=2)
    time.sleep(0.2)
    assert reserve.ready() == 0


def test_takes_are_distinct_keys_and_the_reserve_refills() -> None:
    reserve = KeyReserve(size=2)
    taken = [reserve.take()]  # made on the spot: the reserve was empty
    _wait_ready(reserve, 2)
    taken += [reserve.take(), reserve.take()]  # both made ahead
    assert reserve.ready() < 2
    taken.append(reserve.take())
    assert len(set(taken)) == 4
    for pem in taken:
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        assert key.key_size == 2048
        assert key.public_key().public_numbers().e == 65537
    _wait_ready(reserve, 2)
    time.sleep(0.2)
    assert reserve.ready() == 2  # filled up to its size, no further


def test_a_forked_child_starts_empty() -> None:
    reserve = KeyReserve(size=2)
    reserve.take()
    _wait_ready(reserve, 2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's keys must not be handed out here too
        os.close(read)
        os.write(write, str(reserve.ready()).encode())
        os._exit(0)
    os.close(write)
    try:
        seen = os.read(read, 16)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert seen == b"0"
    assert reserve.ready() == 2
