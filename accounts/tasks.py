from celery import shared_task
from django.utils import translation

from ops.tasks import RETRY


@shared_task(
    name="accounts.send_password_reset", soft_time_limit=60, time_limit=90, bind=True, **RETRY
)
def send_password_reset(task, email, *, domain, use_https, language, templates):
    """The email of a password-reset request, queued by the request (forms.
    BudgetedPasswordResetForm.save): finding the accounts of the address, its budget and the
    sending happen here, so the request takes as long whether or not the address has an
    account. A retry (the mail server was away) takes no budget again."""
    from .forms import BudgetedPasswordResetForm

    with translation.override(language):
        form = BudgetedPasswordResetForm({"email": email}, address_budget=task.request.retries == 0)
        if form.is_valid():
            form.save(domain_override=domain, use_https=use_https, **templates)
