"""``octopus manage task_worker``: the background task worker, with a heartbeat, that rides out
database outages.

django-tasks-db's ``db_worker`` lets any database error other than "locked" end the process;
issue #16 saw it die during a publish and every "Link now" stay queued until a restart. This
worker catches database errors (the database restarting, a network blip, a lock that outlasted
the timeout), closes its connection and tries again with a growing pause, so it carries on by
itself when the database returns. ``octopus serve`` also restarts it if it exits for any
other reason (decision 0034).
"""

import logging
import threading
import time

from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from octopus.core import heartbeat

logger = logging.getLogger("octopus.tasks")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_PAUSES = (1, 2, 5, 10, 30)  # seconds; the last repeats while the database stays away


def _drop_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DATABASE_ERRORS:
            pass  # the connection is already unusable; Django opens a new one next time


class ResilientWorker(Worker):
    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks finished, or a signal stopped it
            except DATABASE_ERRORS as exc:
                if time.monotonic() - started > 60:
                    failures = 0  # it worked for a while: this is a new outage
                pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                failures += 1
                logger.warning("The database is unavailable (%s); trying again in %s s.", type(exc).__name__, pause)
                _drop_connections()
                time.sleep(pause)


def schedule_periodic_checks(stop: threading.Event) -> None:
    """Queue the virtual ward's check every minute: missed observations and unacknowledged alerts
    need a clock, not a request (decision 0038). The check itself runs as an ordinary task."""
    from octopus.virtualward.tasks import CHECK_EVERY_SECONDS, enqueue_check_unless_waiting

    while not stop.wait(CHECK_EVERY_SECONDS):
        try:
            enqueue_check_unless_waiting()
        except DATABASE_ERRORS:
            _drop_connections()
        finally:
            close_old_connections()


def give_up_on_interrupted_runs_when_possible(stop: threading.Event) -> None:
    """As the only worker, close runs the previous worker left open, once the database answers."""
    from octopus.intake.services import give_up_on_interrupted_runs

    pause = 1
    while not stop.is_set():
        try:
            closed = give_up_on_interrupted_runs()
            if closed:
                logger.warning("Closed %s run(s) left running when the previous task worker stopped.", closed)
            return
        except DATABASE_ERRORS:
            _drop_connections()
            stop.wait(pause)
            pause = min(pause * 2, 30)


class Command(DbWorkerCommand):
    help = "Run the background task worker (linkage and pipeline runs), with a heartbeat for the pages."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sole-worker",
            action="store_true",
            help="This is the deployment's only worker: runs still marked running were interrupted; close them.",
        )

    def handle(self, *, sole_worker: bool = False, **options) -> None:
        stop = threading.Event()
        heartbeat.start_beating(stop)
        threading.Thread(target=schedule_periodic_checks, args=(stop,), name="periodic-checks", daemon=True).start()
        try:
            if sole_worker:
                give_up_on_interrupted_runs_when_possible(stop)
            close_old_connections()
            self._run(**options)
        finally:
            stop.set()

    def _run(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **_options,
    ) -> None:
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
