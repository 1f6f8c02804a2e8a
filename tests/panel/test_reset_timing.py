"""A password-reset request answers alike whether or not the address has an account: the
page queues the email with the address alone (accounts.tasks.send_password_reset), and the
worker finds the accounts, takes the address's budget and sends. Sending in the request took
longer exactly when the address had an account."""

import smtplib

import pytest
from django.core import mail
from django.test import Client

from accounts.tasks import send_password_reset
from ops.models import OutboxMessage, RateCounter

pytestmark = pytest.mark.django_db
RESET = "/cuenta/contrasena/olvide/"
ACCOUNT = "osc.guanajuato@example.org"


def queued(email, url=RESET):
    before = OutboxMessage.objects.count()
    response = Client().post(url, {"email": email})
    assert response.status_code == 302
    (message,) = OutboxMessage.objects.order_by("-id")[: OutboxMessage.objects.count() - before]
    return message


def test_the_request_does_the_same_for_an_address_with_or_without_an_account(demo):
    with_account, without = queued(ACCOUNT), queued("nadie@example.org")
    assert mail.outbox == []  # nothing is sent by the request itself
    assert with_account.task == without.task == "accounts.send_password_reset"
    assert with_account.args == [ACCOUNT] and without.args == ["nadie@example.org"]
    assert with_account.kwargs == without.kwargs
    # No token nor account travels through the queue: the worker makes the link.
    assert "token" not in str(with_account.kwargs) and "uid" not in str(with_account.kwargs)


def test_the_worker_sends_the_link_in_the_language_of_the_request(demo, post_reset):
    post_reset(ACCOUNT, url="/en" + RESET)
    (message,) = mail.outbox
    assert message.subject == "Reset your OGP Tracker password"
    assert "Someone asked to reset the password" in message.body
    assert "http://testserver/en/cuenta/contrasena/nueva/" in message.body
    post_reset("oficial.guanajuato@example.org", url=RESET)
    assert "restablecer la contraseña" in mail.outbox[1].body
    assert "http://testserver/cuenta/contrasena/nueva/" in mail.outbox[1].body


def test_when_the_mail_server_is_away_it_tries_again_without_spending_the_budget_twice(
    demo, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    message = queued(ACCOUNT)
    send, failures = EmailBackend.send_messages, []

    def away_once(backend, messages):
        if not failures:
            failures.append(messages)
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", away_once)
    # Eagerly, as a worker would: the retry runs at once instead of some seconds later.
    send_password_reset.apply(message.args, message.kwargs)
    assert len(failures) == 1
    (sent,) = mail.outbox
    assert sent.to == [ACCOUNT]
    assert RateCounter.objects.get(scope="reset.address").count == 1
    # The same request again within the budget's window: held back in silence.
    send_password_reset.apply(message.args, message.kwargs)
    assert len(mail.outbox) == 1


def test_the_outbox_forgets_the_address_once_the_task_is_sent(demo, post_reset):
    post_reset("nadie@example.org")
    (message,) = OutboxMessage.objects.filter(task="accounts.send_password_reset")
    assert message.sent_at is not None
    assert (message.args, message.kwargs) == ([], {})
    assert "nadie@example.org" not in str(OutboxMessage.objects.values_list())
