from celery import shared_task
from django.utils import translation

from ops.tasks import TRANSIENT

RETRIES = 6


@shared_task(
    name="accounts.send_password_reset",
    soft_time_limit=60,
    time_limit=90,
    bind=True,
    max_retries=RETRIES,
)
def send_password_reset(task, email, *, domain, use_https, language, templates, pending=None):
    """The email of a password-reset request, queued by the request (forms.
    BudgetedPasswordResetForm.save): finding the accounts of the address, its budget and the
    sending happen here, so the request takes as long whether or not the address has an
    account. When the mail server or the database is away it tries again later (up to 10
    minutes apart), for the accounts not yet sent to (`pending`), whose budget it does not
    take again."""
    from .forms import BudgetedPasswordResetForm

    with translation.override(language):
        form = BudgetedPasswordResetForm({"email": email}, pending=pending)
        if not form.is_valid():
            return
        try:
            form.save(domain_override=domain, use_https=use_https, **templates)
        except TRANSIENT as error:
            kwargs = {**task.request.kwargs}
            if form.pending is not None:
                kwargs["pending"] = sorted(form.pending)
            raise task.retry(
                exc=error, kwargs=kwargs, countdown=min(600, 30 * 2**task.request.retries)
            ) from error
