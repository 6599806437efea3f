"""The review page's one form, read: what each flagged item gets in this save, or why not.

Every flag of the page is posted together: its ticked dispositions (any of them) and its
note. An item is saved when what is ticked or its note differs from what was last recorded;
an item with nothing ticked and nothing recorded is left for later. "Acknowledge all
remaining" ticks "Acknowledged" for every discuss, prepare and note item that has nothing
ticked and nothing recorded; it never touches an emergency or urgent item, nor one already
given a disposition. An item left out of the post is left as it is; one whose boxes were on
the page and all unticked is refused (a record can be changed, not removed). If any item is
wrong, nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ivig_home.checklist import Assessment, Severity
from ivig_home.staff.forms import DispositionForm
from ivig_home.staff.review import Choice, Disposition

ACKNOWLEDGEABLE = (Severity.DISCUSS, Severity.PREPARE, Severity.NOTE)
NOTE_WITHOUT_CHOICE = "Tick what was done about this item, or clear its note."
EMPTIED = "Tick at least one box: what was recorded can be changed, not removed."


@dataclass
class PageSave:
    """What one press of the page's Save (or Acknowledge all, or Mark reviewed) asks for."""

    forms: dict[str, DispositionForm]
    changes: dict[str, Choice] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)  # ticked by "Acknowledge all"

    @property
    def wrong(self) -> list[str]:
        """Return the items with an error, in the page's order."""
        return [item for item, form in self.forms.items() if form.errors]


def read_page(assessment: Assessment, recorded: dict[str, Disposition], *,
              acknowledge: bool = False) -> PageSave:
    """Read the posted page against what was recorded; `acknowledge` for Acknowledge all."""
    page = PageSave(forms={})
    for flag in assessment.flags:
        item = flag.item.id
        form = page.forms[item] = DispositionForm(prefix=item)
        valid = form.validate()
        chosen = tuple(form.disposition.data or ())
        note = (form.note.data or "").strip()
        done = recorded.get(item)
        if not chosen and acknowledge and done is None and flag.severity in ACKNOWLEDGEABLE:
            chosen = ("acknowledged",)
            page.acknowledged.append(item)
        if not chosen and (note or (done is not None and form.listed.data == "1")):
            form.disposition.errors = [*form.disposition.errors,
                                       NOTE_WITHOUT_CHOICE if note else EMPTIED]
            valid = False
        if not valid or not chosen:
            continue
        if done is None or set(chosen) != set(done.dispositions) or note != done.note:
            page.changes[item] = Choice(chosen, note)
    return page
