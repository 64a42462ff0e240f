"""How agents sends e-mail: through the outbox that handoffs registers at start-up (a delivery
written in the caller's transaction, sent by `manage.py deliver`), so a request never waits on
the mail server. agents never imports handoffs; without a registered outbox it sends directly."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import send_mail

# (subject, body, recipients, workspace id) -> None, called in the caller's transaction.
Outbox = Callable[..., None]
_outbox: Outbox | None = None


def register_outbox(outbox: Outbox) -> None:
    global _outbox
    _outbox = outbox


def mail_send(*, subject: str, body: str, to: list[str], workspace_id: int | None) -> None:
    if _outbox is None:
        send_mail(subject, body, None, to)
        return
    _outbox(subject=subject, body=body, to=to, workspace_id=workspace_id)
