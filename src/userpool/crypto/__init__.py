"""The cryptography of tokens, passwords, codes and sealed values. Every use of `cryptography` in
userpool goes through this package, which first loads its OpenSSL as `openssl_cpu` chooses."""

from userpool.crypto import openssl_cpu

OPENSSL_MASK = openssl_cpu.load()
