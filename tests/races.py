"""Shared by the race tests (PostgreSQL): run actions at the same moment in threads."""

import threading
from collections.abc import Callable

from django.db import close_old_connections, connection

from jiuzhu.core.errors import DomainError


def at_once(*actions: Callable[[], object]) -> list[str]:
    """Run the actions in threads released together; "ok" or each refusal's message."""
    results: list[str] = []
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], object]) -> None:
        close_old_connections()
        barrier.wait()
        try:
            action()
            results.append("ok")
        except (DomainError, PermissionError) as refusal:
            results.append(getattr(refusal, "message", str(refusal)))
        except Exception as error:  # anything else is the server error the test forbids
            results.append(f"ERROR {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)
