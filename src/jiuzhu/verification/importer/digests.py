"""ID numbers' search digests in worker processes, for large extracts.

The digest (an HMAC per ID number, core.crypto) is the one Python loop per row of an
import, and it holds the GIL: threads cannot share it out. `DigestProcesses` keeps a few
interpreters that each run `crypto.serve_digests`; the key goes to them through a pipe
(never the command line or the environment), values and digests as lines of text.
Started by subprocess, not multiprocessing: that would import the caller's main module
again in each child, and forking a process with threads running is unsafe.
"""

import os
import queue
import subprocess
import sys
from collections.abc import Sequence

from jiuzhu.core import crypto


class DigestProcesses:
    """`count` digest workers; calling it digests one batch on whichever is free."""

    def __init__(self, count: int) -> None:
        key = crypto.keyring().search_key
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        code = "from jiuzhu.core.crypto import serve_digests; serve_digests()"
        self.workers: list[subprocess.Popen[bytes]] = []
        self.free: queue.SimpleQueue[subprocess.Popen[bytes]] = queue.SimpleQueue()
        for _ in range(count):
            worker = subprocess.Popen(
                [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
            )
            assert worker.stdin is not None
            worker.stdin.write(key)
            self.workers.append(worker)
            self.free.put(worker)

    def __call__(self, values: Sequence[str | None]) -> list[str]:
        if any("\n" in value for value in values if value):  # cannot travel as a line
            return crypto.digest_many(values)
        batch = "\n".join(value or "" for value in values).encode()
        worker = self.free.get()
        try:
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(b"%d\n%s" % (len(batch), batch))
            worker.stdin.flush()
            size = worker.stdout.readline()
            answer = worker.stdout.read(int(size)) if size else b""
        finally:
            self.free.put(worker)
        digests = answer.decode().split("\n")
        if not size or len(digests) != len(values):
            raise RuntimeError("digest worker process ended unexpectedly")
        return digests

    def close(self) -> None:
        for worker in self.workers:
            assert worker.stdin is not None
            worker.stdin.close()
        for worker in self.workers:
            worker.wait()
