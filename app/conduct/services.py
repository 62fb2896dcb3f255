"""Conduct services: the catalogue, inspections and their checklists, evidence photos, conduct
reports with their review, the person's response, and the C2 suggestion."""
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import case, func, insert, literal, select

from app import audit, clock, uploads
from app.conduct.models import (
    ChecklistTemplate,
    ConductReport,
    ConductRule,
    Finding,
    Inspection,
    InspectionEntry,
    InspectionMember,
    InspectionPerson,
    Photo,
    TemplateRule,
)
from app.database import after_commit, transactional
from app.errors import DomainError
from app.evaluation.services import policy_in_force
from app.evaluation.suggestions import Suggestion, source
from app.extensions import db
from app.notifications import services as notifications
from app.org.models import Staff, Unit
from app.periods import month_end

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.models import Assessment, AssessmentCriterion
    from app.feedback.models import Complaint

RULE_FIELDS = ("code", "text_vi", "text_en", "place", "category", "severity", "deduction",
               "legal_source", "active")


# ---------------------------------------------------------------- catalogue

@transactional
def save_rule(rule: ConductRule | None, **fields: Any) -> ConductRule:
    """Create (rule None) or change a rule; a finding keeps the deduction it was made with."""
    before = audit.snapshot(rule, RULE_FIELDS) if rule else None
    if rule is None:
        rule = ConductRule(**fields)
        db.session.add(rule)
    else:
        for name, value in fields.items():
            setattr(rule, name, value)
    audit.record("conduct.rule_saved", rule, before=before, after=audit.snapshot(rule, RULE_FIELDS))
    return rule


@transactional
def create_template(name: str, rules: Sequence[ConductRule]) -> ChecklistTemplate:
    template = ChecklistTemplate(name=name.strip())
    template.items = [TemplateRule(rule_id=r.id, position=i) for i, r in enumerate(rules, start=1)]
    db.session.add(template)
    audit.record("conduct.template_created", template, after={"name": name, "rules": [r.code for r in rules]})
    return template


# ---------------------------------------------------------------- photos

def check_photo(data: bytes, declared_type: str | None) -> str:
    """The photo's real type from its content (JPEG or PNG), or DomainError."""
    limit = uploads.size_limit_mb(data)
    if limit is not None:
        raise DomainError(_("Ảnh quá lớn: tối đa %(mb)d MB.", mb=limit))
    content_type = uploads.content_type_of(data)
    if content_type not in uploads.IMAGES or declared_type and declared_type not in uploads.IMAGES:
        raise DomainError(_("Chỉ nhận ảnh JPEG hoặc PNG."))
    return content_type


def store_photo(data: bytes, declared_type: str | None, unit: Unit, actor: "User") -> Photo:
    """Keep a checked photo outside the web root; the row joins the caller's transaction."""
    content_type = check_photo(data, declared_type)
    saved = uploads.save(data, "conduct", content_type)
    photo = Photo(filename=saved.filename, content_type=content_type, size=saved.size,
                  sha256=saved.sha256, unit_id=unit.id, uploaded_by_id=actor.id)
    db.session.add(photo)
    db.session.flush()
    return photo


def photo_path(photo: Photo) -> Path:
    return uploads.folder("conduct") / photo.filename


# ---------------------------------------------------------------- inspections

@transactional
def create_inspection(unit: Unit, template: ChecklistTemplate, inspected_at: datetime, lead: "User",
                      members: Iterable["User"] = ()) -> Inspection:
    """An inspection of a unit, with every active staff member of the unit listed as present."""
    inspection = Inspection(unit_id=unit.id, template_id=template.id,
                            inspected_at=clock.from_local(inspected_at),
                            lead_id=lead.id)
    inspection.members = [InspectionMember(user_id=m.id) for m in members if m.id != lead.id]
    db.session.add(inspection)
    db.session.flush()
    db.session.execute(insert(InspectionPerson).from_select(
        ["inspection_id", "staff_id", "presence"],
        select(literal(inspection.id), Staff.id, literal("present"))
        .where(Staff.unit_id == unit.id, Staff.active.is_(True))))
    audit.record("inspection.created", inspection, after={
        "unit": unit.code, "template": template.name, "at": inspection.inspected_at,
        "team": sorted(m.username for m in [lead, *members])})
    return inspection


def editable(inspection: Inspection) -> bool:
    """Entries can change until a report has been made from the inspection."""
    return db.session.scalar(select(ConductReport.id).where(
        ConductReport.inspection_id == inspection.id)) is None


def entries_of(inspection: Inspection, staff_id: int) -> dict[int, InspectionEntry]:
    return {e.rule_id: e for e in db.session.scalars(select(InspectionEntry).where(
        InspectionEntry.inspection_id == inspection.id, InspectionEntry.staff_id == staff_id))}


def recorded_counts(inspection: Inspection) -> dict[int, tuple[int, int]]:
    """{staff id: (violations, entries)} for the inspection (one grouped query)."""
    return {staff_id: (violations or 0, total) for staff_id, violations, total in db.session.execute(
        select(InspectionEntry.staff_id,
               func.sum(case((InspectionEntry.outcome == "violation", 1), else_=0)),
               func.count()).where(InspectionEntry.inspection_id == inspection.id)
        .group_by(InspectionEntry.staff_id))}


def record_person(inspection: Inspection, person: InspectionPerson, presence: str,
                  outcomes: dict[ConductRule, tuple[str, str | None, bytes | None, str | None]],
                  actor: "User") -> None:
    """Save one person's presence and checklist; `outcomes` is {rule: (outcome, note, photo
    bytes, declared type)}. A bad photo refuses the whole save and stores nothing."""
    if not editable(inspection):
        raise DomainError(_("Đã lập biên bản từ cuộc kiểm tra này; không thể sửa."))
    return _record(inspection, person, presence, outcomes, actor)


@transactional
def _record(inspection: Inspection, person: InspectionPerson, presence: str,
            outcomes: dict[ConductRule, tuple[str, str | None, bytes | None, str | None]],
            actor: "User") -> None:
    written: list[Path] = []
    try:
        person.presence = presence
        existing = entries_of(inspection, person.staff_id)
        for rule, (outcome, note, data, declared) in outcomes.items():
            entry = existing.get(rule.id) or InspectionEntry(
                inspection_id=inspection.id, staff_id=person.staff_id, rule_id=rule.id)
            entry.outcome = outcome if presence == "present" else "not_applicable"
            entry.note = (note or "").strip()
            if data:
                photo = store_photo(data, declared, inspection.unit, actor)
                written.append(photo_path(photo))
                replaced = db.session.get(Photo, entry.photo_id) if entry.photo_id else None
                entry.photo_id = photo.id
                if replaced is not None:  # a new photo replaces the old: row now, file after commit
                    db.session.flush()
                    db.session.delete(replaced)
                    after_commit(partial(photo_path(replaced).unlink, missing_ok=True))
            db.session.add(entry)
        audit.record("inspection.recorded", inspection, after={
            "staff": person.staff.code, "presence": presence,
            "violations": sorted(r.code for r, o in outcomes.items() if o[0] == "violation")})
    except BaseException:
        for path in written:  # no photo outlives a refused save
            path.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- reports

@transactional
def report_from_inspection(inspection: Inspection, actor: "User") -> ConductReport:
    """A draft report with a finding for every violation and every unexcused absence."""
    if not editable(inspection):
        raise DomainError(_("Đã lập biên bản từ cuộc kiểm tra này."))
    day = clock.local_date(inspection.inspected_at)
    report = ConductReport(source="inspection", unit_id=inspection.unit_id,
                           inspection_id=inspection.id, created_by_id=actor.id)
    db.session.add(report)
    entries = db.session.scalars(select(InspectionEntry).where(
        InspectionEntry.inspection_id == inspection.id, InspectionEntry.outcome == "violation")).all()
    rules = {r.id: r for r in inspection.template.rules}
    for entry in entries:
        rule: ConductRule = rules.get(entry.rule_id) or db.session.get(ConductRule, entry.rule_id)
        report.findings.append(Finding(staff_id=entry.staff_id, unit_id=inspection.unit_id,
                                       rule_id=rule.id, occurred_on=day, note=entry.note,
                                       photo_id=entry.photo_id, deduction=rule.deduction))
    absent = [p for p in inspection.people if p.presence == "absent_unexcused"]
    if absent:
        presence_rule = _presence_rule(inspection)
        for person in absent:
            report.findings.append(Finding(
                staff_id=person.staff_id, unit_id=inspection.unit_id, rule_id=presence_rule.id,
                occurred_on=day, note=_("Vắng mặt không lý do khi kiểm tra."),
                deduction=presence_rule.deduction))
    audit.record("conduct.report_created", report, after={"inspection": inspection.id,
                                                          "findings": len(report.findings)})
    return report


def _presence_rule(inspection: Inspection) -> ConductRule:
    """The punctuality rule of the checklist (or of the catalogue) that an absence breaks."""
    for rule in inspection.template.rules:
        if rule.category == "punctuality" and rule.active:
            return rule
    rule = db.session.scalar(select(ConductRule).where(ConductRule.category == "punctuality",
                                                       ConductRule.active.is_(True)).order_by(ConductRule.code))
    if rule is None:
        raise DomainError(_("Danh mục chưa có quy tắc về giờ giấc để ghi nhận vắng mặt."))
    return rule


@transactional
def raise_report(source_name: str, staff: Staff, rule: ConductRule, occurred_on: date, note: str,
                 actor: "User", complaint: "Complaint | None" = None) -> ConductReport:
    """A report raised by a unit head or from a citizen complaint, with one finding."""
    report = ConductReport(source=source_name, unit_id=staff.unit_id, created_by_id=actor.id,
                           complaint_id=complaint.id if complaint else None, summary=note.strip())
    report.findings.append(Finding(staff_id=staff.id, unit_id=staff.unit_id, rule_id=rule.id,
                                   occurred_on=occurred_on, note=note.strip(),
                                   deduction=rule.deduction))
    db.session.add(report)
    audit.record("conduct.report_created", report, after={"source": source_name, "staff": staff.code,
                                                          "rule": rule.code})
    return report


@transactional
def submit_report(report: ConductReport, summary: str | None) -> None:
    """Hand a draft report to the team lead; the people concerned can now respond."""
    if report.status != "draft":
        raise DomainError(_("Biên bản đã được gửi."))
    report.summary = (summary or report.summary).strip()
    report.status = "submitted"
    report.submitted_at = clock.utcnow()
    audit.record("conduct.report_submitted", report, after={"findings": len(report.findings)})
    for staff_id in {f.staff_id for f in report.findings}:
        count = sum(1 for f in report.findings if f.staff_id == staff_id)
        notifications.notify_users(
            notifications.staff_users(select(Staff.id).where(Staff.id == staff_id)),
            "conduct_finding", {"report": report.id, "count": count}, "conduct.mine",
            f"conduct_report:{report.id}")


@transactional
def review_report(report: ConductReport, decisions: dict[int, tuple[str | None, str]],
                  actor: "User") -> None:
    """The lead confirms or dismisses every finding, each with a reason; the report is then final."""
    if report.status != "submitted":
        raise DomainError(_("Chỉ kết luận được biên bản đã gửi và chưa kết luận."))
    for finding in report.findings:
        status, reason = decisions.get(finding.id, (None, ""))
        if status not in ("confirmed", "dismissed") or len((reason or "").strip()) < 5:
            raise DomainError(_("Hãy kết luận từng vi phạm kèm lý do (ít nhất 5 ký tự)."))
    for finding in report.findings:
        status, reason = decisions[finding.id]
        finding.status = status
        finding.decision_reason = reason.strip()
    report.status = "reviewed"
    report.reviewed_by_id = actor.id
    report.reviewed_at = clock.utcnow()
    audit.record("conduct.report_reviewed", report, after={
        f.staff.code + ":" + f.rule.code: f.status for f in report.findings})


def response_deadline(finding: Finding) -> date | None:
    submitted = finding.report.submitted_at
    if submitted is None:
        return None
    days = policy_in_force(finding.occurred_on).conduct_response_days
    day = clock.local_date(submitted)
    return day + timedelta(days=days)


def can_respond(finding: Finding, today: date | None = None) -> bool:
    deadline = response_deadline(finding)
    return deadline is not None and not finding.response and (today or clock.today()) <= deadline


@transactional
def respond(finding: Finding, text: str) -> None:
    """The person concerned explains (giải trình) within the policy's window."""
    if not can_respond(finding):
        raise DomainError(_("Đã hết thời hạn giải trình hoặc đã giải trình."))
    finding.response = text.strip()
    finding.responded_at = clock.utcnow()
    audit.record("conduct.finding_response", finding, after={"length": len(finding.response)})


# ---------------------------------------------------------------- the C2 suggestion

@source("conduct")
def conduct_suggestion(
        pairs: Iterable[tuple["Assessment", "AssessmentCriterion"]]) -> dict[tuple[int, str], Suggestion]:
    """C2: the criterion's maximum less the deductions of confirmed findings of that month,
    floored at 0, with the findings named (SPEC §5)."""
    months: dict[int, tuple[date, list[tuple[Assessment, AssessmentCriterion]]]] = {}
    for assessment, criterion in pairs:
        months.setdefault(assessment.period_id, (assessment.period.starts_on, []))[1].append(
            (assessment, criterion))
    found: dict[tuple[int, str], Suggestion] = {}
    for start, items in months.values():
        end = month_end(start)
        rows = db.session.execute(
            select(Finding.staff_id, ConductRule.code, Finding.deduction)
            .join(ConductRule, ConductRule.id == Finding.rule_id)
            .where(Finding.staff_id.in_({a.staff_id for a, _c in items}),
                   Finding.status == "confirmed", Finding.occurred_on.between(start, end))
            .order_by(Finding.occurred_on)).all()
        by_staff: dict[int, list[tuple[str, Decimal]]] = {}
        for staff_id, code, deduction in rows:
            by_staff.setdefault(staff_id, []).append((code, deduction))
        for assessment, criterion in items:
            findings = by_staff.get(assessment.staff_id, [])
            total = sum((d for _code, d in findings), start=Decimal(0))
            score = max(Decimal(0), criterion.max_score - total)
            if findings:
                text = _("Vi phạm đã xác nhận trong tháng: %(list)s (trừ %(points)s điểm).",
                         list=", ".join(f"{code} −{d}" for code, d in findings), points=total)
            else:
                text = _("Không có vi phạm văn hóa công vụ được xác nhận trong tháng.")
            found[(assessment.id, criterion.code)] = Suggestion(score, text)
    return found
