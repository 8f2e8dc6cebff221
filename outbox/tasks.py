"""The outbox's periodic job: send runs lost with their worker again, then drain."""

from celery import shared_task

from outbox import runs, services


@shared_task(name="outbox.recover_and_drain", ignore_result=True, acks_late=False)
def recover_and_drain(node: str = "", boot: str = "") -> int:
    runs.recover_lost_runs(node=node, boot=boot)
    sent = services.drain().sent
    services.purge_sent()
    runs.purge_finished()
    return sent
