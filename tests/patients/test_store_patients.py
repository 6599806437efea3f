"""Patients in the store: linked as submissions arrive, moved by a nurse, purged, re-encrypted."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from ivig_home import maintenance
from ivig_home.agencies import registry
from ivig_home.checklist import assess
from ivig_home.cli import cli
from ivig_home.crypto import key_id, keyring
from ivig_home.db import db
from ivig_home.intake import drafts, submissions
from ivig_home.models import AuditEntry, Patient, PatientSubmission, Submission
from ivig_home.patients import matching
from tests.agency_support import make_agency
from tests.answers import example


def send(agency_slug: str, name: str = "nothing-to-flag", **changes: object) -> Submission:
    agency = registry.get_agency(agency_slug)
    assert agency is not None
    document = example(name)
    document["answers"].update(changes)
    draft = drafts.start_draft(agency)
    drafts.save_draft(draft, document["answers"], "confirm")
    return submissions.submit_draft(draft, assess(document))


def patient_of(submission: Submission) -> Patient:
    link = matching.link_of(submission.id)
    assert link is not None
    found = db.session.get(Patient, link.patient_id)
    assert found is not None
    return found


def count(model: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_known_name_and_date_of_birth_is_linked_and_a_new_one_makes_a_patient(
        db_app: Flask) -> None:
    first = send("demo")
    again = send("demo", patient_name="  ána RUIZ ", contact_phone="555-0177")
    other = send("demo", "emergency")
    assert patient_of(first).id == patient_of(again).id != patient_of(other).id
    assert count(Patient) == 2
    known = matching.patient_identity(patient_of(first))
    # The newest checklist's name and phone; the date of birth is the one matched on.
    assert known == {"name": "ána RUIZ", "date_of_birth": "1971-04-02", "phone": "555-0177",
                     "email": None}
    # Nothing readable in the row: the identity is sealed, the match is a keyed hash.
    row = db.session.execute(select(Patient.identity_enc, Patient.match_hash)).first()
    assert row is not None and b"Ruiz" not in bytes(row[0]) and "ruiz" not in row[1]
    assert [s.reference for s in matching.submissions_of(patient_of(first))] == [
        first.reference, again.reference]


def test_the_same_person_at_another_agency_is_another_patient(db_app: Flask) -> None:
    make_agency("harbour")
    here, there = send("demo"), send("harbour")
    assert patient_of(here).id != patient_of(there).id
    assert patient_of(here).match_hash != patient_of(there).match_hash


def test_a_nurse_links_and_splits_a_submission_and_each_move_is_audited(
        db_app: Flask) -> None:
    first, typo, other = send("demo"), send("demo", patient_name="Anna Ruiz"), send(
        "demo", "emergency")
    ana, anna = patient_of(first), patient_of(typo)
    assert ana.id != anna.id
    # Linking the typo to Ana leaves Anna with nothing: she is deleted.
    assert matching.relink(typo, ana, "nurse@demo.test", "10.0.0.1") == anna.id
    assert patient_of(typo).id == ana.id and db.session.get(Patient, anna.id) is None
    assert matching.relink(typo, ana, "nurse@demo.test", None) is None  # already there
    # Splitting it off again makes a new patient from its own answers.
    split = matching.split_off(typo, "nurse@demo.test", "10.0.0.1")
    assert split is not None and patient_of(typo).id == split.id != ana.id
    assert matching.patient_identity(split)["name"] == "Anna Ruiz"
    # Its patient's only submission cannot be split off further.
    assert matching.split_off(typo, "nurse@demo.test", None) is None
    assert matching.split_off(other, "nurse@demo.test", None) is None
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.reference,
                                        AuditEntry.detail, AuditEntry.actor)
                                 .where(AuditEntry.action.in_(("linked_patient",
                                                               "split_patient")))
                                 .order_by(AuditEntry.id)).all()
    assert [tuple(entry) for entry in entries] == [
        ("linked_patient", typo.reference, f"patient {ana.id}", "nurse@demo.test"),
        ("split_patient", typo.reference, f"patient {split.id}", "nurse@demo.test")]


def test_a_new_submission_goes_to_the_patient_with_the_newest_checklist(
        db_app: Flask) -> None:
    older, newer = send("demo"), send("demo")
    ana = patient_of(older)
    split = matching.split_off(newer, "nurse@demo.test", None)
    assert split is not None
    latest = send("demo")
    assert patient_of(latest).id == split.id  # its newest checklist is the newest
    matching.relink(latest, ana, "nurse@demo.test", None)
    assert patient_of(send("demo")).id == ana.id  # now Ana's is


def test_link_patients_links_submissions_stored_before_patients_existed(
        db_app: Flask) -> None:
    sent = [send("demo"), send("demo"), send("demo", "emergency")]
    db.session.execute(PatientSubmission.__table__.delete())
    db.session.execute(Patient.__table__.delete())
    db.session.commit()
    runner = db_app.test_cli_runner()
    result = runner.invoke(cli, ["link-patients"])
    assert result.output == "3 submissions linked to their patients.\n"
    assert patient_of(sent[0]).id == patient_of(sent[1]).id != patient_of(sent[2]).id
    assert count(Patient) == 2
    assert runner.invoke(cli, ["link-patients"]).output == (
        "0 submissions linked to their patients.\n")


def test_purge_takes_patients_left_with_no_submission(db_app: Flask) -> None:
    old, kept = send("demo"), send("demo", "emergency")
    gone_patient = patient_of(old).id
    db.session.execute(update(Submission).where(Submission.id == old.id).values(
        created_at=old.created_at - timedelta(days=40)))
    db.session.commit()
    db_app.config["RETENTION_DAYS"] = 30
    assert maintenance.purge() == (0, 1)
    assert db.session.get(Patient, gone_patient) is None
    assert count(Patient) == 1 and patient_of(kept) is not None


def test_rotation_re_encrypts_patients(db_app: Flask, tmp_path: object) -> None:
    sent = send("demo")
    before = key_id(patient_of(sent).identity_enc)
    assert before == keyring().current_id
    new = maintenance.add_key()
    assert maintenance.reseal_all() >= 1
    db.session.expire_all()
    patient = patient_of(sent)
    assert key_id(patient.identity_enc) == new != before
    assert matching.patient_identity(patient)["name"] == "Ana Ruiz"
