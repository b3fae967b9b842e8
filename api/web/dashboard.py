"""Signed-in pages of vendors (reviewers and admins read them too, as in the API): the organisation and
its products, self-assessments step by step, probe runs and the conformance report."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.core.db import lock_for_update
from api.domain import accounts, assessments, notifications, probe_runs, products, reporting, review
from api.domain.access import load_organisation, load_probe_run, load_product, load_submission
from api.domain.sealing import load_or_create_box
from api.core.errors import ApiError, forbidden
from api.core.models import (PLATFORMS, PROBE_RUN_ACTIVE, Organisation, ProbeRun, User, utcnow)
from reports.formats import MEDIA_TYPES, render_report
from api.http.schemas import MAX_ID, ProbeRunCreate, ProductIn
from api.web import assessment_form as af
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import (field_errors, group_summary, level_progress, level_title, outcome_names, product_type_title,
                           vocabulary)
from checker.assessment import checker_for
from checker.criteria import list_versions, load_set
from checker.probes.registry import all_probes

router = APIRouter(prefix="/dashboard", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
WRITERS = ("vendor", "admin")  # as api.http.auth.Writer: reviewers only read
# The report is a complete document of its own with an inline style sheet.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; " \
             "form-action 'none'; frame-ancestors 'self'"


def _writer(user: User) -> User:
    if user.role not in WRITERS:
        raise forbidden()
    return user


def _common(request: Request) -> dict:
    return {"type_title": product_type_title, "level_title": level_title,
            "outcome_names": outcome_names(request.state.t)}


# --- organisation and products -------------------------------------------------------------

@router.get("")
def dashboard(request: Request, session: PageDB, user: SignedIn):
    rows = products.visible_products(session, user, by_name=True)
    latest = products.latest_revisions(session, rows)
    unread = notifications.unread_count(session, user)
    return render(request, "dashboard.html", products=rows, latest=latest, can_write=user.role in WRITERS,
                  unread=unread, **_common(request))


def _vendor_orgs(session, user: User) -> list[Organisation]:
    if user.role != "admin":
        return []
    return accounts.all_organisations(session, kind="vendor")


def _product_form(request, session, user, status=200, values=None, errors=None):
    return render(request, "product_new.html", status, values=values or {"platforms": []}, errors=errors or {},
                  platforms=PLATFORMS, product_types=vocabulary().product_types, orgs=_vendor_orgs(session, user))


@router.get("/products/new")
def new_product_page(request: Request, session: PageDB, user: SignedIn):
    _writer(user)
    return _product_form(request, session, user)


@router.post("/products")
def create_product(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    _writer(user)
    t = request.state.t
    values = {"name": str(form.get("name", "")), "product_type": str(form.get("product_type", "")),
              "url": str(form.get("url", "")).strip(), "platforms": [str(p) for p in form.getlist("platforms")],
              "organisation_id": str(form.get("organisation_id", ""))}
    data = {k: v for k, v in values.items() if k != "organisation_id"}
    if user.role == "admin":
        data["organisation_id"] = values["organisation_id"] or None
    try:
        body = ProductIn(**data)
    except ValidationError as exc:
        return _product_form(request, session, user, 422, values, field_errors(exc, t))
    if user.role == "admin" and body.organisation_id is None:
        return _product_form(request, session, user, 422, values, {"organisation_id": [t("err.choice")]})
    org = load_organisation(session, user, body.organisation_id or user.organisation_id, write=True)
    if org.kind != "vendor":
        return _product_form(request, session, user, 422, values, {"organisation_id": [t("product.org_not_vendor")]})
    product = products.create_product(session, user, org, name=body.name, product_type=body.product_type,
                                      url=body.url, platforms=list(body.platforms))
    return redirect(f"/dashboard/products/{product.id}?done=product_created")


def _product_page(request, session, user, product, status=200, error=None):
    submissions = products.revisions(session, product, newest_first=True)
    sets = [load_set(v) for v in reversed(list_versions())]
    draft = next((s for s in submissions if s.status == "draft"), None)
    published = [s.version for s in sets if s.status == "published"]
    certificates = products.certificates_of(session, product)
    return render(request, "dashboard_product.html", status, product=product, submissions=submissions, sets=sets,
                  certificates=certificates, now=utcnow(),
                  draft=draft, default_version=(published or [sets[0].version])[0], error=error,
                  can_write=user.role in WRITERS, **_common(request))


@router.get("/products/{product_id}")
def product_page(request: Request, session: PageDB, user: SignedIn, product_id: ObjectId):
    return _product_page(request, session, user, load_product(session, user, product_id))


@router.post("/products/{product_id}/submissions")
def start_assessment(request: Request, session: PageDB, user: SignedIn, product_id: ObjectId, form: PostedForm):
    _writer(user)
    product = load_product(session, user, product_id, write=True)
    version = str(form.get("criteria_version", ""))
    try:
        submission = assessments.new_draft(session, product, user, version, None)
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        return _product_page(request, session, user, product, exc.status, request.state.t.message(exc.detail))
    return redirect(af.first_step_url(submission))


# --- a self-assessment ---------------------------------------------------------------------

def _assessment(session, user, submission_id: int, *, write: bool = False):
    submission = load_submission(session, user, submission_id, write=write)
    assessments.criteria_set(submission.criteria_version)  # 404 if the version has gone
    checker = checker_for(submission.criteria_version, submission.product.product_type)
    return submission, checker, af.steps_for(checker)


def _step_progress(submission, steps) -> list[tuple[af.Step, int]]:
    return [(step, sum(f.id in submission.answers for f in step.forms)) for step in steps]


def _overview(request, session, user, submission, steps, status=200, errors=None, problem=None, values=None):
    """The submission page: steps, outcome, the review (state, decisions, the conversation, what the vendor may
    do next), the report and the probe runs. `problem`: what the domain refused for a form of this page."""
    t = request.state.t
    evaluation, evaluation_error = None, None
    try:
        evaluation = reporting.current_verdict(session, submission)
    except ApiError as exc:
        evaluation_error = t.message(exc.detail)
    step_of = {f.id: step.id for step in steps for f in step.forms}
    runs = probe_runs.runs_of(session, submission)
    titles = {c.id: c.title for c in load_set(submission.criteria_version).criteria.values()}
    view = review.review_view(session, request.app.state.settings, user, submission)
    revisions = products.revision_numbers(session, submission.product_id)
    next_revision = assessments.next_revision_of(session, submission)
    # A comment on a criterion links to that criterion in the form being worked on (the next revision's, once made).
    editing = next_revision if next_revision is not None and next_revision.status == "draft" else submission
    return render(request, "submission.html", status, submission=submission, product=submission.product,
                  progress=_step_progress(submission, steps), evaluation=evaluation,
                  evaluation_error=evaluation_error, summary=group_summary(evaluation) if evaluation else [],
                  levels=level_progress(evaluation) if evaluation else [], errors=errors or [], step_of=step_of,
                  titles=titles, runs=runs, can_write=user.role in WRITERS, view=view, revisions=revisions,
                  next_revision=next_revision, problem=problem, values=values or {},
                  vendor_actions=[a["action"] for a in review.allowed_actions(submission.status, "vendor")],
                  step_link=lambda cid: (f"/dashboard/submissions/{editing.id}/steps/{step_of[cid]}#c-{cid}"
                                         if cid in step_of else f"/criteria/{submission.criteria_version}#{cid}"),
                  **_common(request))


@router.get("/submissions/{submission_id}")
def submission_page(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    submission, _, steps = _assessment(session, user, submission_id)
    return _overview(request, session, user, submission, steps)


def _step(steps, group: str) -> af.Step:
    step = next((s for s in steps if s.id == group), None)
    if step is None:
        raise ApiError(404, "Không có nhóm yêu cầu này / No such requirement group")
    return step


def _step_page(request, session, user, submission, steps, step, values, status=200, placed=None, unplaced=None):
    index = steps.index(step)
    comments: dict[str, list] = {}  # the reviewers' comments on each criterion, this revision's and earlier ones'
    for comment in review.comments_of(session, submission):
        if comment.criterion_id:
            comments.setdefault(comment.criterion_id, []).append(comment)
    revisions = products.revision_numbers(session, submission.product_id)
    placed = placed or {}
    summary = []  # (anchor, message) for the error summary at the top
    for key, messages in placed.items():
        summary.extend((_anchor(key), m) for m in messages)
    summary.extend(("", m) for m in unplaced or [])
    return render(request, "step.html", status, submission=submission, product=submission.product, step=step,
                  steps=_step_progress(submission, steps), index=index,
                  next_step=steps[index + 1] if index + 1 < len(steps) else None,
                  previous_step=steps[index - 1] if index else None, values=values, placed=placed,
                  summary=summary, comments=comments, revisions=revisions,
                  editable=submission.status == "draft" and user.role in WRITERS, vocab=vocabulary(),
                  NONE_OF_THESE=af.NONE_OF_THESE, YES=af.YES, NO=af.NO, **_common(request))


def _anchor(key: str) -> str:
    if key.startswith("crit:"):
        return "c-" + key[5:]
    if key.startswith("val:"):
        return "v-" + key[4:]
    return "f-" + key.replace(".", "-")


@router.get("/submissions/{submission_id}/steps/{group}")
def step_page(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId,
              group: Annotated[str, Path(max_length=40)]):
    submission, _, steps = _assessment(session, user, submission_id)
    step = _step(steps, group)
    values = {}
    for cf in step.forms:
        values.update(cf.values_from(submission.answers.get(cf.id)))
    return _step_page(request, session, user, submission, steps, step, values)


@router.post("/submissions/{submission_id}/steps/{group}")
def save_step(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId,
              group: Annotated[str, Path(max_length=40)], form: PostedForm):
    """Save this group's answers into the draft (api.domain.assessments.merge_answers); errors show at their field."""
    _writer(user)
    t = request.state.t
    submission, checker, steps = _assessment(session, user, submission_id, write=True)
    # Each answer is built on the stored one (files kept, say): read it under the row lock merge_answers takes.
    lock_for_update(session, submission)
    step = _step(steps, group)
    values, changes, pointers, before = {}, {}, {}, []
    for cf in step.forms:
        cf_values = cf.read(form)
        values.update(cf_values)
        answer, cf_pointers, cf_errors = cf.build(cf_values, submission.answers.get(cf.id))
        changes[cf.id] = answer
        pointers.update(cf_pointers)
        before.extend((p, t(key)) for p, key in cf_errors)
    api_errors = []
    try:
        assessments.merge_answers(session, user, submission, None, changes)
    except ApiError as exc:
        if exc.status != 422:
            raise
        api_errors = exc.errors
    local = af.local_messages(checker, {k: v for k, v in changes.items() if v is not None}, t)
    errors = before + (af.combine(api_errors, local, t) if api_errors else local)
    if errors:
        placed, unplaced = af.place(errors, pointers)
        return _step_page(request, session, user, submission, steps, step, values, 422, placed, unplaced)
    index = steps.index(step)
    go = form.get("go")
    if go == "next" and index + 1 < len(steps):
        return redirect(f"/dashboard/submissions/{submission.id}/steps/{steps[index + 1].id}?done=saved")
    if go == "previous" and index:
        return redirect(f"/dashboard/submissions/{submission.id}/steps/{steps[index - 1].id}?done=saved")
    if go == "overview" or (go == "next" and index + 1 == len(steps)):
        return redirect(f"/dashboard/submissions/{submission.id}?done=saved")
    return redirect(f"/dashboard/submissions/{submission.id}/steps/{step.id}?done=saved")


@router.post("/submissions/{submission_id}/submit")
def submit(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    _writer(user)
    submission, _, steps = _assessment(session, user, submission_id, write=True)
    try:
        assessments.submit(session, user, submission)
    except ApiError as exc:
        if exc.status != 422:
            raise
        return _overview(request, session, user, submission, steps, 422, exc.errors)
    return redirect(f"/dashboard/submissions/{submission.id}?done=submitted")


@router.get("/submissions/{submission_id}/report")
def report(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    """The conformance report (as GET /api/v1/submissions/{id}/report gives it), in the page's language."""
    submission = load_submission(session, user, submission_id)
    html = render_report(reporting.submission_report(session, submission), "html", request.state.t.lang)
    return Response(html, media_type=MEDIA_TYPES["html"],
                    headers={"Cache-Control": "private, no-store", "Content-Security-Policy": REPORT_CSP})


# --- probe runs ----------------------------------------------------------------------------

def _probe_form(request, submission, status=200, manifest="", only=(), errors=None, active_run=None):
    probes = [(pid, probe.title) for pid, probe in all_probes().items()]
    product = submission.product
    example = json.dumps({"product_type": product.product_type, "start_url": product.url,
                          "filtering": {"mode": "none"}}, indent=2, ensure_ascii=False)
    return render(request, "probe_start.html", status, submission=submission, product=product,
                  probes=probes, example=example, manifest=manifest, only=list(only), errors=errors or [], active_run=active_run)


@router.get("/submissions/{submission_id}/probe-runs/new")
def new_probe_run(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    _writer(user)
    submission = load_submission(session, user, submission_id, write=True)
    return _probe_form(request, submission)


def _manifest_text(form) -> tuple[str, str | None]:
    """The manifest's JSON text: the uploaded file if one was chosen, else the text box."""
    upload = form.get("manifest_file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return upload.file.read().decode("utf-8"), None
        except UnicodeDecodeError:
            return "", "probe.not_utf8"
    return str(form.get("manifest", "")), None


@router.post("/submissions/{submission_id}/probe-runs")
def start_probe_run(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    _writer(user)
    t = request.state.t
    submission = load_submission(session, user, submission_id, write=True)
    text, problem = _manifest_text(form)
    only = [str(p) for p in form.getlist("only")]
    if problem:
        return _probe_form(request, submission, 422, text, only, [("", t(problem))])
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        return _probe_form(request, submission, 422, text, only,
                           [("", t("probe.bad_json", line=exc.lineno, column=exc.colno))])
    try:
        body = ProbeRunCreate(manifest=manifest, only=only or None)
    except ValidationError:
        return _probe_form(request, submission, 422, text, only, [("", t("probe.not_object"))])
    try:
        run = probe_runs.start_run(session, request.app.state.jobs, submission, user, body.manifest, body.only,
                                   box=load_or_create_box(request.app.state.settings.keys_dir))
    except ApiError as exc:
        if exc.status == 409:
            return _probe_form(request, submission, 409, text, only, [("", t.message(exc.detail))],
                               active_run=exc.extra.get("probe_run_id"))
        if exc.status != 422:
            raise
        errors = [(e.get("pointer", ""), t.message(e.get("message", ""))) for e in exc.errors]
        return _probe_form(request, submission, 422, text, only, errors or [("", t.message(exc.detail))])
    return redirect(f"/dashboard/probe-runs/{run.id}")


def _progress(run: ProbeRun, t) -> dict:
    p = run.progress
    if run.status in PROBE_RUN_ACTIVE:
        text = t(f"run.status.{run.status}") + " — " + t("run.progress", probes_done=t.number(p["probes_done"]),
                                                        probes_total=t.number(p["probes_total"]))
        if p["probe"]:
            text += " " + t("run.current", probe=_probe_title(p["probe"], t), done=t.number(p["done"]),
                            total=t.number(p["total"]))
    else:
        text = t(f"run.status.{run.status}")
    return {"status": run.status, "active": run.status in PROBE_RUN_ACTIVE, "text": text, **p}


def _probe_title(probe_id: str, t) -> str:
    probe = all_probes().get(probe_id)
    return t.pick(probe.title) if probe else probe_id


@router.get("/probe-runs/{run_id}")
def probe_run_page(request: Request, session: PageDB, user: SignedIn, run_id: ObjectId):
    t = request.state.t
    run = load_probe_run(session, user, run_id)
    view = probe_runs.findings_view(session, run) if run.status not in PROBE_RUN_ACTIVE else None
    block_rates = []
    if view:
        for probe in view["probes"]:
            if probe["probe_id"] == "content_filtering" and probe["measurement"]:
                for key, value in probe["measurement"].items():
                    if key.startswith("block_rate_") and value is not None:
                        block_rates.append((t(f"category.{key[len('block_rate_'):]}"), value, t.percent(value)))
    return render(request, "probe_run.html", run=run, progress=_progress(run, t), view=view,
                  block_rates=block_rates, probe_title=_probe_title, **_common(request))


@router.get("/probe-runs/{run_id}/progress")
def probe_run_progress(request: Request, session: PageDB, user: SignedIn, run_id: ObjectId):
    """The run's progress for the page's script (the cookie session, so no bearer token in the page)."""
    run = load_probe_run(session, user, run_id)
    return JSONResponse(_progress(run, request.state.t), headers={"Cache-Control": "no-store"})


@router.get("/probe-runs/{run_id}/files/{name:path}")
def probe_run_file(request: Request, session: PageDB, user: SignedIn, run_id: ObjectId,
                   name: Annotated[str, Path(min_length=1, max_length=500)]):
    """A screenshot a probe kept as evidence (the API's file route, with the page's cookie session)."""
    run = load_probe_run(session, user, run_id)
    path, media_type = probe_runs.screenshot_file(request.app.state.settings, run, name)
    return FileResponse(path, media_type=media_type)
