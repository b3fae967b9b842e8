"""Signed-in pages of vendors (reviewers and admins read them too, as in the API): the organisation and
its products, self-assessments step by step, probe runs and the conformance report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.core.db import lock_for_update
from api.core.errors import ApiError, forbidden
from api.core.models import PLATFORMS, PROBE_RUN_ACTIVE, Organisation, ProbeRun, User, utcnow
from api.domain import accounts, assessments, evidence, notifications, probe_runs, products, reporting, review
from api.domain.access import load_organisation, load_probe_run, load_product, load_submission
from api.domain.sealing import load_or_create_box, masked
from api.http.schemas import MAX_ID, ProbeRunCreate, ProductIn, ProductUpdate
from api.web import assessment_form as af
from api.web import manifest_form
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import (
    field_errors,
    group_summary,
    level_progress,
    level_title,
    outcome_names,
    product_type_title,
    vocabulary,
)
from checker.assessment import checker_for
from checker.catalog import CATALOG
from checker.criteria import list_versions, load_set
from checker.probes.registry import all_probes
from reports.formats import MEDIA_TYPES, render_report, report_filename

router = APIRouter(prefix="/dashboard", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
WRITERS = ("vendor", "admin")  # as api.http.auth.Writer: reviewers only read
# The report is a complete document of its own with an inline style sheet.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)


def _writer(user: User) -> User:
    if user.role not in WRITERS:
        raise forbidden()
    return user


def _common(request: Request) -> dict:
    return {
        "type_title": product_type_title,
        "level_title": level_title,
        "outcome_names": outcome_names(request.state.t),
    }


# --- organisation and products -------------------------------------------------------------


@router.get("")
def dashboard(request: Request, session: PageDB, user: SignedIn):
    rows = products.visible_products(session, user, by_name=True)
    latest = products.latest_revisions(session, rows)
    unread = notifications.unread_count(session, user)
    return render(
        request,
        "dashboard.html",
        products=rows,
        latest=latest,
        can_write=user.role in WRITERS,
        unread=unread,
        **_common(request),
    )


def _vendor_orgs(session, user: User) -> list[Organisation]:
    if user.role != "admin":
        return []
    return accounts.all_organisations(session, kind="vendor")


def _product_form(request, session, user, status=200, values=None, errors=None):
    return render(
        request,
        "product_new.html",
        status,
        values=values or {"platforms": []},
        errors=errors or {},
        platforms=PLATFORMS,
        product_types=vocabulary().product_types,
        orgs=_vendor_orgs(session, user),
    )


@router.get("/products/new")
def new_product_page(request: Request, session: PageDB, user: SignedIn):
    _writer(user)
    return _product_form(request, session, user)


@router.post("/products")
def create_product(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    _writer(user)
    t = request.state.t
    values = {
        "name": str(form.get("name", "")),
        "product_type": str(form.get("product_type", "")),
        "url": str(form.get("url", "")).strip(),
        "platforms": [str(p) for p in form.getlist("platforms")],
        "description": str(form.get("description", "")),
        "organisation_id": str(form.get("organisation_id", "")),
    }
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "organisation_id"}
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
    product = products.create_product(
        session,
        user,
        org,
        name=body.name,
        product_type=body.product_type,
        url=body.url,
        platforms=list(body.platforms),
        description=body.description,
    )
    return redirect(f"/dashboard/products/{product.id}?done=product_created")


def _edit_form(request, session, product, status=200, values=None, errors=None):
    values = values or {
        "name": product.name,
        "product_type": product.product_type,
        "url": product.url,
        "platforms": list(product.platforms),
        "description": product.description,
    }
    has_submissions = bool(products.revisions(session, product))
    return render(
        request,
        "product_edit.html",
        status,
        product=product,
        values=values,
        errors=errors or {},
        platforms=PLATFORMS,
        product_types=vocabulary().product_types,
        type_locked=has_submissions,
    )


@router.get("/products/{product_id}/edit")
def edit_product_page(request: Request, session: PageDB, user: SignedIn, product_id: ObjectId):
    _writer(user)
    return _edit_form(request, session, load_product(session, user, product_id, write=True))


@router.post("/products/{product_id}/edit")
def edit_product(request: Request, session: PageDB, user: SignedIn, product_id: ObjectId, form: PostedForm):
    """Change name, type, address and platforms (api.domain.products.update_product, as PATCH /products/{id})."""
    _writer(user)
    t = request.state.t
    product = load_product(session, user, product_id, write=True)
    values = {
        "name": str(form.get("name", "")),
        "product_type": str(form.get("product_type", "")),
        "url": str(form.get("url", "")).strip(),
        "platforms": [str(p) for p in form.getlist("platforms")],
        "description": str(form.get("description", "")),
    }
    try:
        body = ProductUpdate(**values)
    except ValidationError as exc:
        return _edit_form(request, session, product, 422, values, field_errors(exc, t))
    try:
        products.update_product(session, user, product, body.model_dump(exclude_unset=True))
    except ApiError as exc:
        if exc.status != 409:
            raise
        return _edit_form(request, session, product, 409, values, {"product_type": [t.message(exc.detail)]})
    return redirect(f"/dashboard/products/{product.id}?done=product_updated")


@router.post("/products/{product_id}/delete")
def delete_product(request: Request, session: PageDB, user: SignedIn, product_id: ObjectId, form: PostedForm):
    """Delete a product with nothing but drafts (api.domain.products.delete_product, as DELETE /products/{id}); the
    refusal names each reason on the product's page."""
    _writer(user)
    product = load_product(session, user, product_id, write=True)
    if form.get("confirm") != "yes":
        return _product_page(
            request, session, user, product, 422, delete_error=request.state.t("product.confirm_needed")
        )
    try:
        products.delete_product(session, user, product)
    except ApiError as exc:
        if exc.status != 409:
            raise
        return _product_page(request, session, user, product, 409, delete_error=request.state.t.message(exc.detail))
    return redirect("/dashboard?done=product_deleted")


def _product_page(request, session, user, product, status=200, error=None, delete_error=None):
    submissions = products.revisions(session, product, newest_first=True)
    sets = [load_set(v) for v in reversed(list_versions())]
    draft = next((s for s in submissions if s.status == "draft"), None)
    published = [s.version for s in sets if s.status == "published"]
    certificates = products.certificates_of(session, product)
    return render(
        request,
        "dashboard_product.html",
        status,
        product=product,
        submissions=submissions,
        sets=sets,
        certificates=certificates,
        now=utcnow(),
        draft=draft,
        default_version=(published or [sets[0].version])[0],
        error=error,
        can_write=user.role in WRITERS,
        delete_blockers=products.deletion_blockers(session, product),
        delete_error=delete_error,
        **_common(request),
    )


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
    return render(
        request,
        "submission.html",
        status,
        submission=submission,
        product=submission.product,
        progress=_step_progress(submission, steps),
        evaluation=evaluation,
        evaluation_error=evaluation_error,
        summary=group_summary(evaluation) if evaluation else [],
        levels=level_progress(evaluation) if evaluation else [],
        errors=errors or [],
        step_of=step_of,
        titles=titles,
        runs=runs,
        can_write=user.role in WRITERS,
        view=view,
        revisions=revisions,
        next_revision=next_revision,
        problem=problem,
        values=values or {},
        vendor_actions=[a["action"] for a in review.allowed_actions(submission.status, "vendor")],
        step_link=lambda cid: (
            f"/dashboard/submissions/{editing.id}/steps/{step_of[cid]}#c-{cid}"
            if cid in step_of
            else f"/criteria/{submission.criteria_version}#{cid}"
        ),
        **_common(request),
    )


@router.get("/submissions/{submission_id}")
def submission_page(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    submission, _, steps = _assessment(session, user, submission_id)
    return _overview(request, session, user, submission, steps)


def _step(steps, group: str) -> af.Step:
    step = next((s for s in steps if s.id == group), None)
    if step is None:
        raise ApiError(404, "Không có nhóm yêu cầu này / No such requirement group")
    return step


def _step_page(
    request, session, user, submission, steps, step, values, status=200, placed=None, unplaced=None, saved_some=False
):
    index = steps.index(step)
    comments: dict[str, list] = {}  # the reviewers' comments on each criterion, this revision's and earlier ones'
    for comment in review.comments_of(session, submission):
        if comment.criterion_id:
            comments.setdefault(comment.criterion_id, []).append(comment)
    revisions = products.revision_numbers(session, submission.product_id)
    placed = placed or {}
    summary: list[tuple[str, str]] = []  # (anchor, message) for the error summary at the top, each naming its criterion
    titles = {cf.id: request.state.t.pick(cf.criterion.title) for cf in step.forms}
    for key, messages in placed.items():
        cid = _criterion_of_key(key)
        lead = Markup("{} {}: ").format(cid, titles[cid]) if cid in titles else ""
        summary.extend((_anchor(key), lead + m) for m in messages)
    summary.extend(("", m) for m in unplaced or [])
    return render(
        request,
        "step.html",
        status,
        submission=submission,
        product=submission.product,
        step=step,
        steps=_step_progress(submission, steps),
        index=index,
        next_step=steps[index + 1] if index + 1 < len(steps) else None,
        previous_step=steps[index - 1] if index else None,
        values=values,
        placed=placed,
        summary=summary,
        comments=comments,
        revisions=revisions,
        saved_some=saved_some,
        editable=submission.status == "draft" and user.role in WRITERS,
        vocab=vocabulary(),
        NONE_OF_THESE=af.NONE_OF_THESE,
        YES=af.YES,
        NO=af.NO,
        files=evidence.by_criterion(evidence.files_of(session, submission.id)),  # api/web/evidence.py
        max_file_bytes=request.app.state.settings.evidence_max_file_bytes,
        **_common(request),
    )


def _criterion_of_key(key: str) -> str | None:
    """The criterion an input name ("a.CF-01.v.block_rate") or placement key ("crit:CF-01") belongs to."""
    if key.startswith(("crit:", "val:")):
        return key.split(":", 1)[1]
    parts = key.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "a" else None


def _anchor(key: str) -> str:
    if key.startswith("crit:"):
        return "c-" + key[5:]
    if key.startswith("val:"):
        return "v-" + key[4:]
    return "f-" + key.replace(".", "-")


@router.get("/submissions/{submission_id}/steps/{group}")
def step_page(
    request: Request,
    session: PageDB,
    user: SignedIn,
    submission_id: ObjectId,
    group: Annotated[str, Path(max_length=40)],
):
    submission, _, steps = _assessment(session, user, submission_id)
    step = _step(steps, group)
    values = {}
    for cf in step.forms:
        values.update(cf.values_from(submission.answers.get(cf.id), request.state.t.lang))
    return _step_page(request, session, user, submission, steps, step, values)


@router.post("/submissions/{submission_id}/steps/{group}")
def save_step(
    request: Request,
    session: PageDB,
    user: SignedIn,
    submission_id: ObjectId,
    group: Annotated[str, Path(max_length=40)],
    form: PostedForm,
):
    """Save this group's answers into the draft (api.domain.assessments.merge_answers); errors show at their field.
    The criteria answered validly are saved even when another criterion of the step has an error (that one keeps
    its stored answer until it is fixed)."""
    _writer(user)
    t = request.state.t
    submission, checker, steps = _assessment(session, user, submission_id, write=True)
    # Each answer is built on the stored one (files kept, say): read it under the row lock merge_answers takes.
    lock_for_update(session, submission)
    step = _step(steps, group)
    values, changes, pointers = {}, {}, {}
    before: list[Any] = []
    for cf in step.forms:
        cf_values = cf.read(form)
        values.update(cf_values)
        answer, cf_pointers, cf_errors = cf.build(cf_values, submission.answers.get(cf.id), t.lang)
        changes[cf.id] = answer
        pointers.update(cf_pointers)
        before.extend((p, t(key)) for p, key in cf_errors)
    local = af.local_messages(checker, {k: v for k, v in changes.items() if v is not None}, t)
    refused = {af.criterion_of(p) for p, _ in before + local}
    valid = {cid: answer for cid, answer in changes.items() if cid not in refused}
    api_errors, saved_some = [], False
    try:
        assessments.merge_answers(session, user, submission, None, valid)
        saved_some = bool(refused) and any(answer is not None for answer in valid.values())
    except ApiError as exc:
        if exc.status != 422:
            raise
        api_errors = exc.errors  # an error the local check did not see: nothing of the step is saved
    errors = before + (af.combine(api_errors, local, t) if api_errors else local)
    if errors:
        if saved_some:  # the page answers 422, which rolls back: the valid answers are committed first
            session.commit()
        placed, unplaced = af.place(errors, pointers)
        return _step_page(
            request, session, user, submission, steps, step, values, 422, placed, unplaced, saved_some=saved_some
        )
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
    """The conformance report (as GET /api/v1/submissions/{id}/report gives it), in the page's language only, with
    a link to the same report as PDF."""
    submission = load_submission(session, user, submission_id)
    lang = request.state.t.lang
    html = render_report(
        reporting.submission_report(session, submission),
        "html",
        lang,
        file_href=f"/dashboard/submissions/{submission.id}/evidence-files/{{id}}",
        pdf_href=f"/dashboard/submissions/{submission.id}/report.pdf?lang={lang}",
        certificate_id=reporting.certificate_id_of(session, submission),
    )
    return Response(
        html,
        media_type=MEDIA_TYPES["html"],
        headers={"Cache-Control": "private, no-store", "Content-Security-Policy": REPORT_CSP},
    )


@router.get("/submissions/{submission_id}/report.pdf")
def report_pdf(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    """The conformance report printed for A4 (reports.pdf) in the page's language (?lang=vi|en): each page headed by
    the certificate's number (or the submission's) and numbered. Same access as the report: the vendor's own
    organisation, reviewers and admins any; others 404."""
    submission = load_submission(session, user, submission_id)
    settings = request.app.state.settings
    lang = request.state.t.lang
    body = render_report(
        reporting.submission_report(session, submission),
        "pdf",
        lang,
        file_href=settings.base_url + f"/dashboard/submissions/{submission.id}/evidence-files/{{id}}",
        chromium=settings.chromium,
        certificate_id=reporting.certificate_id_of(session, submission),
    )
    filename = report_filename(submission.id, submission.revision, "pdf").replace(".pdf", f"-{lang}.pdf")
    return Response(
        body,
        media_type=MEDIA_TYPES["pdf"],
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


# --- probe runs ----------------------------------------------------------------------------


@dataclass
class _ProbePage:
    """What the probe-run page shows besides its two forms' contents: errors, a pre-flight report, notes."""

    status: int = 200
    errors: list = field(default_factory=list)  # (pointer, message) of the JSON form
    fields: dict = field(default_factory=dict)  # builder field -> messages
    unplaced: list = field(default_factory=list)  # builder messages that belong to no field
    preflight: dict | None = None
    active_run: int | None = None
    notes: dict | None = None
    show_json: bool = False


def _default_form(product) -> manifest_form.ManifestForm:
    return manifest_form.from_manifest(
        {"product_type": product.product_type, "start_url": product.url, "filtering": {"mode": "none"}},
        product.product_type,
    )


def _probe_form(request, submission, page: _ProbePage | None = None, *, manifest="", only=(), mf=None):
    page = page or _ProbePage()
    t = request.state.t
    probes = [(pid, probe.title) for pid, probe in all_probes().items()]
    product = submission.product
    mf = mf or _default_form(product)
    mf.drop_refused_secrets(page.fields)
    box = load_or_create_box(request.app.state.settings.keys_dir)
    example = json.dumps(
        {"product_type": product.product_type, "start_url": product.url, "filtering": {"mode": "none"}},
        indent=2,
        ensure_ascii=False,
    )
    summary = [(f"mf-{name}", msg) for name, messages in page.fields.items() for msg in messages]
    summary += [("", msg) for msg in page.unplaced]
    summary += [("manifest", (f"{pointer}: " if pointer else "") + msg) for pointer, msg in page.errors]
    view = None
    if page.show_json:
        view = json.dumps(masked(mf.manifest), indent=2, ensure_ascii=False)  # no password, PIN or typed value
    return render(
        request,
        "probe_start.html",
        page.status,
        submission=submission,
        product=product,
        probes=probes,
        example=example,
        manifest=manifest,
        only=list(only),
        errors=page.errors,
        active_run=page.active_run,
        mf=mf,
        fields=page.fields,
        summary=summary,
        preflight=page.preflight,
        notes=page.notes,
        manifest_view=view,
        kept=mf.kept,
        actions=manifest_form.ACTIONS,
        max_steps=manifest_form.MAX_STEPS,
        product_types=vocabulary().product_types,
        secrets_sealed=manifest_form.seal_secrets(mf.secrets, box, product.id),
        pf_title=lambda step_id: t(f"pf.step.{step_id}") if f"pf.step.{step_id}" in CATALOG else step_id,
    )


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


def _place(t, mf: manifest_form.ManifestForm | None, items: list[dict], page: _ProbePage) -> None:
    """The domain's 422 items (pointer under /manifest, "vi / en" message) at the builder's fields, or, for the
    JSON form, as (pointer, message) beside the text box."""
    for item in items:
        pointer, message = item.get("pointer", ""), item.get("message", "")
        name = manifest_form.field_of(pointer, mf.step_of_row) if mf is not None else None
        if mf is None:
            page.errors.append((pointer, t.message(message)))
        elif name is None:
            page.unplaced.append(t.message(message))
        else:
            friendly = manifest_form.friendly_key(name, message)
            page.fields.setdefault(name, []).append(t(friendly) if friendly else t.message(message))


@router.post("/submissions/{submission_id}/probe-runs")
def start_probe_run(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Both forms of the page: the manifest builder (source=form) and the JSON text or file. Actions: start the
    run, run the pre-flight check, add login-step rows, show the built manifest as JSON, import JSON into the
    builder. Nothing is stored but the run itself."""
    _writer(user)
    t = request.state.t
    submission = load_submission(session, user, submission_id, write=True)
    box = load_or_create_box(request.app.state.settings.keys_dir)
    action = str(form.get("action", "start"))
    only = [str(p) for p in form.getlist("only")]
    page = _ProbePage()
    mf, text = None, ""
    if form.get("source") == "form":
        mf = manifest_form.read_form(form, box, submission.product_id, add_rows=action == "add_step")
        if action in ("add_step", "show_json"):
            page.show_json = action == "show_json"
            return _probe_form(request, submission, page, only=only, mf=mf)
        if mf.errors:
            page.status = 422
            page.fields = {name: [t(key) for key in keys] for name, keys in mf.errors.items()}
            return _probe_form(request, submission, page, only=only, mf=mf)
        manifest = mf.manifest
    else:
        text, problem = _manifest_text(form)
        if problem:
            page.status, page.errors = 422, [("", t(problem))]
            return _probe_form(request, submission, page, manifest=text, only=only)
        try:
            manifest = json.loads(text)
        except json.JSONDecodeError as exc:
            page.status, page.errors = 422, [("", t("probe.bad_json", line=exc.lineno, column=exc.colno))]
            return _probe_form(request, submission, page, manifest=text, only=only)
        if action == "import":
            if not isinstance(manifest, dict):
                page.status, page.errors = 422, [("", t("probe.not_object"))]
                return _probe_form(request, submission, page, manifest=text, only=only)
            page.notes = {"unsupported": manifest_form.unsupported(manifest)}
            return _probe_form(
                request,
                submission,
                page,
                only=only,  # not the text again: it holds the secrets
                mf=manifest_form.from_manifest(manifest, submission.product.product_type),
            )
    try:
        body = ProbeRunCreate(manifest=manifest, only=only or None)
    except ValidationError:
        page.status, page.errors = 422, [("", t("probe.not_object"))]
        return _probe_form(request, submission, page, manifest=text, only=only, mf=mf)
    try:
        if action == "check":
            page.preflight = probe_runs.preflight_check(submission, user, body.manifest, request.app.state.settings)
            return _probe_form(request, submission, page, manifest=text, only=only, mf=mf)
        run = probe_runs.start_run(session, request.app.state.jobs, submission, user, body.manifest, body.only, box=box)
    except ApiError as exc:
        if exc.status == 409:
            page.status, page.active_run = 409, exc.extra.get("probe_run_id")
            _place(t, None, [{"message": exc.detail}], page)
            if mf is not None:  # the builder's page shows it at the top
                page.unplaced, page.errors = [m for _, m in page.errors], []
            return _probe_form(request, submission, page, manifest=text, only=only, mf=mf)
        if exc.status != 422:
            raise
        page.status = 422
        _place(t, mf, exc.errors or [{"message": exc.detail}], page)
        return _probe_form(request, submission, page, manifest=text, only=only, mf=mf)
    return redirect(f"/dashboard/probe-runs/{run.id}")


def _progress(run: ProbeRun, t) -> dict:
    p = run.progress
    if run.status in PROBE_RUN_ACTIVE:
        text = (
            t(f"run.status.{run.status}")
            + " — "
            + t("run.progress", probes_done=t.number(p["probes_done"]), probes_total=t.number(p["probes_total"]))
        )
        if p["probe"]:
            text += " " + t(
                "run.current", probe=_probe_title(p["probe"], t), done=t.number(p["done"]), total=t.number(p["total"])
            )
    else:
        text = t(f"run.status.{run.status}")
    return {"status": run.status, "active": run.status in PROBE_RUN_ACTIVE, "text": text, **p}


RUN_FAILED_LEAD = "Lần chạy thất bại / The run failed: "  # as api.jobs.execute stores a run's error


def run_error_text(error: str | None, t) -> Markup | None:
    """A failed run's stored error in the reader's language: the lead, then the reason. A reason that is itself
    "Vietnamese / English" shows its half; a library's English-only reason is kept, marked as English."""
    if not error:
        return None
    if not error.startswith(RUN_FAILED_LEAD):
        return t.message(error)
    reason = error[len(RUN_FAILED_LEAD) :]
    if " / " in reason:
        return Markup("{}: {}").format(t("run.failed_lead"), t.message(reason))
    if t.lang == "en":
        return Markup("{}: {}").format(t("run.failed_lead"), reason)
    return Markup('{}: <span lang="en">{}</span>').format(t("run.failed_lead"), reason)


def failure_text(failure: str, t) -> Markup:
    """One of a finding's reasons ("measurement: vi / en", as checker.probes.base words them) in this language,
    the measurement's name kept before either half."""
    name, sep, rest = failure.partition(": ")
    if sep and " / " in rest and " " not in name:
        return Markup("{}: {}").format(name, t.message(rest))
    return t.message(failure)


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
                        block_rates.append((t(f"category.{key[len('block_rate_') :]}"), value, t.percent(value)))
    return render(
        request,
        "probe_run.html",
        run=run,
        progress=_progress(run, t),
        view=view,
        block_rates=block_rates,
        probe_title=_probe_title,
        run_error=run_error_text(run.error, t),
        failure_text=failure_text,
        **_common(request),
    )


@router.get("/probe-runs/{run_id}/progress")
def probe_run_progress(request: Request, session: PageDB, user: SignedIn, run_id: ObjectId):
    """The run's progress for the page's script (the cookie session, so no bearer token in the page)."""
    run = load_probe_run(session, user, run_id)
    return JSONResponse(_progress(run, request.state.t), headers={"Cache-Control": "no-store"})


@router.get("/probe-runs/{run_id}/files/{name:path}")
def probe_run_file(
    request: Request,
    session: PageDB,
    user: SignedIn,
    run_id: ObjectId,
    name: Annotated[str, Path(min_length=1, max_length=500)],
):
    """A screenshot a probe kept as evidence (the API's file route, with the page's cookie session)."""
    run = load_probe_run(session, user, run_id)
    path, media_type = probe_runs.screenshot_file(request.app.state.settings, run, name)
    return FileResponse(path, media_type=media_type)
