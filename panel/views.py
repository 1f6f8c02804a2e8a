"""The contributor panel (/panel/): thin views; permissions decide, services write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from alerts import tokens
from commitments import permissions, selectors, services, uploads
from commitments.models import Dispute, Milestone, Verification
from states.models import Membership
from transparency import rules as request_rules

from . import bulk
from . import worklist as worklist_module
from .decorators import contributor_required, require
from .forms import (
    DisputeAnswerForm,
    DisputeCloseForm,
    EvidenceForm,
    RetractForm,
    StatusForm,
    VerificationForm,
)


@contributor_required
def dashboard(request):
    groups = selectors.dashboard(user=request.user, now=timezone.now())
    sections = [
        ("overdue", pgettext("milestones", "Overdue"), groups["overdue"]),
        ("due_soon", _("Due within 30 days"), groups["due_soon"]),
        ("quiet", _("No activity for a long time"), groups["quiet"]),
        (
            "awaiting_verification",
            _("Awaiting civil-society verification"),
            groups["awaiting_verification"],
        ),
        ("disputed", _("Disputed by civil society"), groups["disputed"]),
    ]
    memberships = permissions.memberships_of(request.user)
    return render(
        request, "panel/dashboard.html", {"sections": sections, "memberships": memberships}
    )


def _milestone_page(request, milestone_pk, *, status=200, forms=None, stale=None):
    milestone = selectors.panel_milestone(pk=milestone_pk)
    forms = forms or {}
    disputes = list(milestone.disputes.all())
    # The thread a reply acts on: the one in progress (at most one), else none to reply to.
    dispute = next((d for d in disputes if d.is_active), None)
    allowed = permissions.allowed_permissions(request.user, milestone, dispute=dispute)
    steps = _dispute_steps(dispute, allowed)
    context = {
        "milestone": milestone,
        "commitment": milestone.commitment,
        "allowed": allowed,
        "retractable": permissions.retractable_evidence_ids(request.user, milestone),
        "verification": selectors.latest_verification(milestone),
        "status_form": forms.get("status") or StatusForm.for_milestone(milestone),
        "evidence_form": forms.get("evidence") or EvidenceForm(prefix="evidence"),
        "verification_form": forms.get("verification")
        or VerificationForm(initial={"version": milestone.version}, prefix="verification"),
        "retract_form": forms.get("retract") or RetractForm(prefix="retract"),
        "disputes": disputes,
        "dispute_steps": steps,
        # A refused reply whose form the page no longer shows (the step is gone): its errors.
        "refused_reply": next(
            (
                forms[name]
                for name, step in (("answer", "answer"), ("close", "withdraw"))
                if name in forms and step not in steps
            ),
            None,
        ),
        "today": timezone.localdate(),
        "answer_form": forms.get("answer")
        or DisputeAnswerForm(initial={"version": milestone.version}, prefix="answer"),
        "close_form": forms.get("close")
        or DisputeCloseForm(initial={"version": milestone.version}, prefix="close"),
        "retract_target": forms.get("retract_target"),
        "stale": stale,
        # An information request fits a red milestone the government gave no evidence for.
        "may_request_information": "information_request:write" in allowed
        and request_rules.is_eligible(milestone),
        "error_items": _error_items(forms),
        "max_upload": settings.EVIDENCE_MAX_BYTES,
        "allowed_types": uploads.ALLOWED_LABELS,
    }
    return render(request, "panel/milestone.html", context, status=status)


def _error_items(forms):
    """The errors of the refused form, for the summary at the top of the page: each message
    with a link to its field (or to the form, for one about the whole form)."""
    items = []
    for form in forms.values():
        if not hasattr(form, "errors"):
            continue
        for name, errors in form.errors.items():
            field = form[name] if name in form.fields else None
            anchor = field.auto_id if field is not None else f"form-{form.prefix}"
            label = f"{field.label}: " if field is not None else ""
            items.extend({"anchor": anchor, "text": f"{label}{m}"} for m in errors)
    return items


def _dispute_steps(dispute, allowed):
    """The steps of the thread in progress the person may take now, for the page's buttons."""
    if dispute is None:
        return set()
    steps, state = set(), Dispute.State
    if "dispute:answer" in allowed and dispute.state in (state.OPEN, state.MAINTAINED):
        steps.add("answer")
    if "dispute:close" in allowed and dispute.state in (state.OPEN, state.ANSWERED):
        steps.add("withdraw")
        if dispute.state == state.ANSWERED:
            steps.add("maintain")
    return steps


def _done(request, milestone, message):
    messages.success(request, message)
    return redirect(reverse("panel:milestone", kwargs={"pk": milestone.pk}))


def _apply_errors(form, error):
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require("milestone:view")
def milestone_detail(request, *, milestone, membership):
    return _milestone_page(request, milestone.pk)


@require_POST
@require("milestone.status:write")
def report_status(request, *, milestone, membership):
    form = StatusForm(request.POST, prefix="status")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.report_status(
                milestone=milestone,
                membership=membership,
                now=timezone.now(),
                **form.service_arguments(),
            )
        except services.StaleVersion as stale:
            # Fresh forms from the current version; the person's input is shown to re-apply.
            mine = {**data, "status": Milestone.Status(data["status"]).label}
            return _milestone_page(
                request, milestone.pk, status=409, stale={"newer": stale.newer, "mine": mine}
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, milestone, _("Status reported."))
    return _milestone_page(request, milestone.pk, status=400, forms={"status": form})


@csrf_exempt  # checked by csrf_protect below, once the upload handlers are in place
def add_evidence(request, pk):
    # The size limit must see the upload before anything reads the body (CSRF included).
    request.upload_handlers.insert(
        0, uploads.SizeLimitUploadHandler(request, settings.EVIDENCE_MAX_BYTES)
    )
    return _add_evidence(request, pk)


@csrf_protect
@require_POST
@require("evidence:add")
def _add_evidence(request, *, milestone, membership):
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    if getattr(request, "oversized_upload", False):
        _apply_errors(form, services.oversize_error())
        # The file was dropped unread: "give a file or a link" would only confuse.
        form.errors.pop("__all__", None)
    elif form.is_valid():
        data = form.cleaned_data
        common = {
            "milestone": milestone,
            "membership": membership,
            "title": data["title"],
            "description": data["description"],
            "now": timezone.now(),
        }
        try:
            if data["file"]:
                services.add_file_evidence(upload=data["file"], **common)
            else:
                services.add_link_evidence(url=data["url"].strip(), **common)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, milestone, _("Evidence added."))
    return _milestone_page(request, milestone.pk, status=400, forms={"evidence": form})


@require_POST
@require("milestone.verification:write")
def verify(request, *, milestone, membership):
    form = VerificationForm(request.POST, prefix="verification")
    if form.is_valid():
        try:
            services.record_verification(
                milestone=milestone,
                membership=membership,
                now=timezone.now(),
                **form.service_arguments(),
            )
        except services.StaleVersion as stale:
            return _milestone_page(
                request, milestone.pk, status=409, stale={"newer": stale.newer, "mine": None}
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, milestone, _("Verification recorded."))
    return _milestone_page(request, milestone.pk, status=400, forms={"verification": form})


@require_POST
@require("evidence:retract", on="evidence")
def retract_evidence(request, *, milestone, membership, evidence):
    form = RetractForm(request.POST, prefix="retract")
    if form.is_valid():
        try:
            services.retract_evidence(
                evidence=evidence,
                membership=membership,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, milestone, _("Evidence retracted."))
    return _milestone_page(
        request,
        milestone.pk,
        status=400,
        forms={"retract": form, "retract_target": evidence.pk},
    )


def _reply_to_dispute(request, milestone, form, form_name, service, done_message, **extra):
    """Runs one step of a dispute's thread from a bound form: the page again with the form's
    errors (400), the conflict (409), or a redirect with `done_message`."""
    if form.is_valid():
        try:
            service(now=timezone.now(), **form.service_arguments(), **extra)
        except services.StaleVersion as stale:
            return _milestone_page(
                request, milestone.pk, status=409, stale={"newer": stale.newer, "mine": None}
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _done(request, milestone, done_message)
    return _milestone_page(request, milestone.pk, status=400, forms={form_name: form})


@require_POST
@require("dispute:answer", on="dispute")
def answer_dispute(request, *, milestone, membership, dispute):
    return _reply_to_dispute(
        request, milestone, DisputeAnswerForm(request.POST, prefix="answer"), "answer",
        services.answer_dispute, _("Answer published."), dispute=dispute, membership=membership,
    )  # fmt: skip


@require_POST
@require("dispute:close", on="dispute")
def withdraw_dispute(request, *, milestone, membership, dispute):
    return _reply_to_dispute(
        request, milestone, DisputeCloseForm(request.POST, prefix="close"), "close",
        services.close_dispute, _("Dispute withdrawn."), dispute=dispute, membership=membership,
        outcome="withdrawn",
    )  # fmt: skip


@require_POST
@require("dispute:close", on="dispute")
def maintain_dispute(request, *, milestone, membership, dispute):
    return _reply_to_dispute(
        request, milestone, DisputeCloseForm(request.POST, prefix="close"), "close",
        services.close_dispute, _("Dispute maintained."), dispute=dispute, membership=membership,
        outcome="maintained",
    )  # fmt: skip


# --- The worklist and bulk updates ---------------------------------------------------------


@contributor_required
def worklist(request):
    found, counts = worklist_module.worklist(request.user, request.GET, now=timezone.now())
    page = Paginator(found.qs, worklist_module.PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    roles = {m.role for m in permissions.memberships_of(request.user)}
    return render(
        request,
        "panel/worklist.html",
        {
            "filter": found,
            "page": page,
            "counts": counts,
            "query": query.urlencode(),
            "reports": Membership.Role.OFFICIAL in roles,
            "verifies": Membership.Role.CSO in roles,
        },
    )


def _bulk_kind(request):
    """ "estatus" (officials report) or "verificacion" (civil society verifies): the URL's
    choice, else the person's role (an official's first, as the permissions choose)."""
    roles = {m.role for m in permissions.memberships_of(request.user)}
    asked = request.GET.get("modo") or request.POST.get("modo")
    if asked == "verificacion" and Membership.Role.CSO in roles:
        return "verificacion"
    if asked == "estatus" and Membership.Role.OFFICIAL in roles:
        return "estatus"
    return "estatus" if Membership.Role.OFFICIAL in roles else "verificacion"


BULK_KINDS = {"estatus": bulk.STATUS, "verificacion": bulk.VERIFICATION}


def _bulk_ids(values):
    ids = []
    for value in values[: bulk.MAX_ROWS]:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:  # a key could be that; anything else from outside is dropped
            ids.append(number)
    return list(dict.fromkeys(ids))


def _blank_row(kind, milestone):
    prefix = f"m{milestone.pk}"
    if kind is bulk.STATUS:
        form = StatusForm.for_milestone(milestone, prefix=prefix)
    else:
        form = VerificationForm(initial={"version": milestone.version}, prefix=prefix)
    return bulk.RowResult(milestone.pk, "", milestone, form)


def _touched(kind, milestone, data, prefix):
    """Whether the person changed a row (else it is left alone): another status or progress,
    or a note; for a verification, a verdict chosen."""
    if kind is bulk.VERIFICATION:
        return bool(data.get(f"{prefix}-result"))
    note = (data.get(f"{prefix}-note") or "").strip()
    status = data.get(f"{prefix}-status")
    progress = (data.get(f"{prefix}-progress") or "").strip()
    return bool(note) or status != milestone.status or progress != str(milestone.progress)


@contributor_required
def bulk_update(request):
    """One screen, one submit, many milestones: the selected ones (`hitos`), or the worklist's
    first page under the same filters."""
    mode = _bulk_kind(request)
    kind = BULK_KINDS[mode]
    now = timezone.now()
    if request.method == "POST":
        ids = _bulk_ids(request.POST.getlist("hitos"))
    else:
        ids = _bulk_ids(request.GET.getlist("hitos"))
        if not ids:
            found, _counts = worklist_module.worklist(request.user, request.GET, now=now)
            ids = list(found.qs.values_list("pk", flat=True)[: worklist_module.PAGE_SIZE])
    if request.method != "POST":
        workable = permissions.workable_milestones(request.user).filter(pk__in=ids)
        found = {m.pk: m for m in workable.select_related("commitment__action_plan__state")}
        return _bulk_page(request, mode, [_blank_row(kind, found[pk]) for pk in ids if pk in found])

    # Every row sent is answered, one the person may no longer act on included (refused, with
    # their input shown): nothing typed is dropped silently.
    milestones = bulk.milestones_by_id(ids)
    order = [pk for pk in ids if pk in milestones]
    common_note = (request.POST.get("nota_comun") or "").strip()
    to_apply, prefixes, rows = [], [], {}
    for pk in order:
        prefix = f"m{pk}"
        if not _touched(kind, milestones[pk], request.POST, prefix):
            rows[pk] = _blank_row(kind, milestones[pk])
            continue
        data = request.POST.copy()
        if kind is bulk.STATUS and common_note and not data.get(f"{prefix}-note", "").strip():
            data[f"{prefix}-note"] = common_note
        to_apply.append((pk, data))
        prefixes.append(prefix)
    results = bulk.apply_rows(request.user, kind, to_apply, now=now, prefixes=prefixes)
    for result in results:
        if result.ok:
            # A saved row shows the milestone as saved, blank again: sending the page once more
            # does not send it twice.
            saved_row = _blank_row(kind, result.milestone)
            saved_row.outcome = result.outcome
            rows[result.milestone_id] = saved_row
        else:
            rows[result.milestone_id] = result
    saved = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    if not results:
        messages.warning(request, _("Nothing was changed: no row had a change or a note."))
        return redirect(reverse("panel:bulk") + f"?modo={mode}&" + _ids_query(order))
    if not failed:
        messages.success(
            request,
            ngettext("%(count)d milestone saved.", "%(count)d milestones saved.", len(saved))
            % {"count": len(saved)},
        )
        return redirect(reverse("panel:worklist"))
    for result in failed:
        if result.outcome == bulk.CONFLICT:
            # The person's input stays in the row, on the current version: submitting again
            # applies it over the change they were shown.
            fresh = result.form.data.copy()
            fresh[f"m{result.milestone_id}-version"] = result.current_version
            result.form = kind.form(fresh, prefix=f"m{result.milestone_id}")
            result.form.is_valid()
            result.milestone.refresh_from_db()
    status = 409 if any(r.outcome == bulk.CONFLICT for r in failed) else 400
    return _bulk_page(
        request, mode, [rows[pk] for pk in order], saved=saved, failed=failed, status=status
    )


def _ids_query(ids):
    return "&".join(f"hitos={pk}" for pk in ids)


def _bulk_page(request, mode, rows, *, saved=(), failed=(), status=200):
    return render(
        request,
        "panel/bulk.html",
        {
            "mode": mode,
            "rows": rows,
            "saved": saved,
            "failed": failed,
            "statuses": Milestone.Status.choices,
            "results": Verification.Result.choices,
            "common_note": request.POST.get("nota_comun", ""),
        },
        status=status,
    )


# --- The reminder's link to a prefilled report ----------------------------------------------


def report_link(request, token):
    """A due-date reminder's signed link: the milestone's report form, prefilled, and a
    one-click "no change" check. Sign-in is still required (a forwarded email must not let its
    reader report), and the link is the addressee's alone; GET never writes (mail scanners
    open links), so the check is one button on the page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        user_id, milestone_id, version = tokens.read_report_token(token)
    except signing.SignatureExpired:
        return render(request, "panel/report_link_invalid.html", {"expired": True}, status=400)
    except signing.BadSignature:
        return render(request, "panel/report_link_invalid.html", {"expired": False}, status=400)
    if user_id != request.user.pk:
        return render(request, "panel/report_link_invalid.html", {"other": True}, status=403)
    milestone = get_object_or_404(
        Milestone.objects.select_related("commitment__action_plan__state"), pk=milestone_id
    )
    if not permissions.has_perm(request.user, "milestone.status:write", milestone):
        raise PermissionDenied
    unchanged = {
        "status-version": milestone.version,
        "status-status": milestone.status,
        "status-progress": milestone.progress,
        "status-started_on": milestone.started_on.isoformat() if milestone.started_on else "",
        "status-completed_on": "",
        "status-note": _("No change since the last report."),
    }
    return render(
        request,
        "panel/report_link.html",
        {
            "milestone": milestone,
            "commitment": milestone.commitment,
            "changed_since": milestone.version != version,
            "status_form": StatusForm.for_milestone(milestone),
            "unchanged": unchanged,
            "unchanged_note": unchanged["status-note"],
        },
    )
