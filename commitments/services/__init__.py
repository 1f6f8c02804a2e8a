"""Writes. Every change to what the rules read goes through here, and leaves lights right.

- `light`: the engine that keeps each stored light equal to the rules at `now`;
- `milestones`: the plan itself (milestones created, rescheduled, edited; thresholds);
- `contributions`: contributors' status reports, evidence and verifications;
- `disputes`: the right of reply once a status is disputed;
- `methodology`: stored lights brought up to a new version of the method;
- `audit`: stored lights checked against the rules and the record, and repaired;
- `rankings`: each day's figures of the states and institutions, kept (append-only);
- `link_archive`: links given as evidence fetched, kept and re-checked (append-only).
"""

from .audit import AuditResult, audit_lights
from .contributions import (
    StaleVersion,
    add_file_evidence,
    add_link_evidence,
    check_upload,
    oversize_error,
    record_staff_evidence,
    record_verification,
    report_status,
    retract_evidence,
)
from .disputes import answer_dispute, close_dispute
from .light import FlagResult, assess_new, flag_stale_milestones, reassess, refresh_light
from .link_archive import archive_new_link, check_link, recheck_links
from .methodology import apply_methodology, mark_current
from .milestones import (
    create_milestone,
    edit_milestone,
    reschedule_milestone,
    revise_milestone,
    save_new_milestone,
    set_stale_threshold,
)
from .rankings import take_ranking_snapshots

__all__ = [
    "AuditResult",
    "audit_lights",
    "FlagResult",
    "StaleVersion",
    "add_file_evidence",
    "add_link_evidence",
    "answer_dispute",
    "apply_methodology",
    "archive_new_link",
    "check_link",
    "close_dispute",
    "assess_new",
    "check_upload",
    "create_milestone",
    "edit_milestone",
    "flag_stale_milestones",
    "mark_current",
    "oversize_error",
    "reassess",
    "recheck_links",
    "record_staff_evidence",
    "record_verification",
    "refresh_light",
    "report_status",
    "reschedule_milestone",
    "retract_evidence",
    "revise_milestone",
    "save_new_milestone",
    "take_ranking_snapshots",
    "set_stale_threshold",
]
