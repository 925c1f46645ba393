"""A worker that kills itself with SIGKILL at a chosen point, for the kill tests.

    python -m tests.core.killed_worker task TASK_ID UNITS     # after UNITS towns of a payroll
    python -m tests.core.killed_worker job JOB_ID UNITS CHUNK  # after UNITS chunks of a job

Nothing in the worker gets to clean up: the task or job is left "running", as after a
power cut or the OOM killer.
"""

import os
import signal
import sys

import django


def _die_after(units: int, module: object, name: str) -> None:
    real = getattr(module, name)
    done = []

    def then_die(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)
        done.append(1)
        if len(done) >= units:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, name, then_die)


def main(kind: str, object_id: int, units: int, chunk: int = 0) -> None:
    django.setup()
    if kind == "task":
        from jiuzhu.core import tasks
        from jiuzhu.payments import services

        _die_after(units, services, "prepare_payroll")
        tasks.run(object_id)
    else:
        from jiuzhu.verification import jobs

        jobs.CHUNK_HOUSEHOLDS = chunk
        _die_after(units, jobs, "write_chunk")
        jobs.run_job(object_id)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(int, sys.argv[4:5]))
