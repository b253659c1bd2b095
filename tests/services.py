"""Throwaway Redis and Postgres servers for fault tests.

A fault test stops and starts its own server on a free port in a temporary folder; the shared
services on 5432 and 6379 are never touched. The binaries are Debian's (``redis-server``,
``/usr/lib/postgresql/*/bin``); a machine without them fails the test with the package to
install rather than skipping it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def worker_number() -> int:
    """0 for a serial run and for xdist's first worker (gw0), 1 for gw1, …"""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


# Each xdist worker picks its servers' ports from a block of its own, below Linux's ephemeral
# range (32768–60999): a port the kernel hands out (to bind(0), or as the local end of every
# outgoing connection, of which the other worker opens thousands) could be taken while a test
# has stopped its server, and the server could not start again on it.
PORT_BLOCK = 500
FIRST_PORT = 20000


def free_port() -> int:
    """A port nobody listens on, in this worker's block, starting at a random place in it so
    that two test runs at once (another checkout's) rarely try the same one."""
    first = FIRST_PORT + worker_number() * PORT_BLOCK
    start = random.randrange(PORT_BLOCK)
    for offset in range(PORT_BLOCK):
        port = first + (start + offset) % PORT_BLOCK
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}–{first + PORT_BLOCK - 1}")


def _wait(predicate, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not happen within {seconds} s")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """``redis-server`` on its own port, no persistence: ``stop()`` and ``start()`` at will."""

    def __init__(self, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is missing: apt-get install redis-server")
        self.binary = binary
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: _listening(self.port), seconds=10, what=f"redis on {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        _wait(lambda: not _listening(self.port), seconds=10, what=f"redis {self.port} stopping")


class PostgresServer:
    """A fresh cluster (``initdb``) in a temporary folder, run by ``pg_ctl`` on its own port.

    Postgres refuses to run as root, so as root the cluster belongs to the ``postgres`` user.
    Trust authentication on loopback; the superuser is ``postgres``.
    """

    def __init__(self, port: int | None = None) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("Postgres binaries are missing: apt-get install postgresql")
        self.bin = Path(found[-1]).parent
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pmo-pg-"))
        self.data = self.folder / "data"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def init(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self) -> PostgresServer:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
