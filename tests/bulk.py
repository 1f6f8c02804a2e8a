"""Copies of the demo data, to show that pages cost the same number of queries with more."""

from commitments.models import Commitment, Evidence, Milestone, StatusUpdate, Transition


def _clone(model, row, **changes):
    values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    values.update(id=None, **changes)
    return model(**values)


def multiply_demo(factor):
    """Adds factor - 1 copies of every commitment with its milestones, evidence, history and
    light changes, so there is `factor` times as much of everything."""
    commitments = list(Commitment.objects.prefetch_related("supporting_institutions"))
    milestones = list(Milestone.objects.all())
    children = [
        (model, list(model.objects.all())) for model in (Evidence, StatusUpdate, Transition)
    ]
    for copy in range(1, factor):
        for c in commitments:
            clone = _clone(
                Commitment, c, ogp_id=f"CP{copy}{c.ogp_id}", number=c.number + 100 * copy
            )
            clone.save()
            clone.supporting_institutions.set(c.supporting_institutions.all())
            new_milestones = {
                m.pk: _clone(Milestone, m, commitment_id=clone.pk)
                for m in milestones
                if m.commitment_id == c.pk
            }
            for m in new_milestones.values():
                m.save()
            for model, rows in children:
                model.objects.bulk_create(
                    _clone(model, r, milestone_id=new_milestones[r.milestone_id].pk)
                    for r in rows
                    if r.milestone_id in new_milestones
                )
