"""Every string of the pages in Vietnamese and English: a complete catalog, every key used present,
no string of one language on a page of the other, and Babel formatting for each."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from api.core.models import (
    CERTIFICATE_STATUSES,
    COMMENT_KINDS,
    ORG_KINDS,
    PLATFORMS,
    PROBE_RUN_PURPOSES,
    PROBE_RUN_STATUSES,
    REVIEW_DECISIONS,
    ROLES,
    SUBMISSION_STATUSES,
    Certificate,
    Notification,
    Submission,
    User,
    utcnow,
)
from api.domain import assessments, review
from api.domain.certificates import TRANSITIONS as CERT_TRANSITIONS
from api.domain.review import TRANSITIONS
from checker.assessment import OUTCOMES
from checker.catalog import CATALOG
from checker.criteria import diff_sets, list_versions, load_set, load_vocabulary
from checker.i18n import Translator, parse_number
from tests.web.conftest import approved, in_review, probe_runs_for

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def test_every_key_has_both_languages_with_the_same_placeholders():
    for key, texts in CATALOG.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        vi, en = texts
        assert vi.strip() and en.strip(), f"{key}: a language is empty"
        assert sorted(PLACEHOLDER.findall(vi)) == sorted(PLACEHOLDER.findall(en)), f"{key}: placeholders differ"


def _used_keys() -> set[str]:
    """Keys the templates and modules name literally: t("key"), t('key'), and t(f"prefix.{...}") families."""
    keys = set()
    for path in [*WEB.glob("*.py"), *(WEB / "templates").glob("*.html")]:
        source = path.read_text(encoding="utf-8")
        keys.update(re.findall(r"""\bt(?:\.in_other)?\(\s*["']([a-z_]+(?:\.[A-Za-z0-9_]+)+)["']""", source))
        keys.update(re.findall(r"""_KEYS = \{[^}]*""", source) and re.findall(r'"(err\.[a-z_]+)"', source))
    return keys


def _dynamic_keys() -> set[str]:
    """Keys made from data: every value those families can take."""
    vocab = load_vocabulary()
    keys = {f"status.{s}" for s in CERTIFICATE_STATUSES} | {f"cert.verdict.{s}" for s in CERTIFICATE_STATUSES}
    keys |= {f"sub.status.{s}" for s in SUBMISSION_STATUSES} | {f"run.status.{s}" for s in PROBE_RUN_STATUSES}
    keys |= {f"role.{r}" for r in ROLES} | {f"platform.{p}" for p in PLATFORMS} | {f"outcome.{o}" for o in OUTCOMES}
    keys |= {f"criteria.status.{s}" for s in ("published", "draft")}
    keys |= {k for k in CATALOG if k.startswith("done.")}  # base.html shows any of them that ?done= names
    keys |= {
        f"action.{a}"
        for a in {a for moves in TRANSITIONS.values() for a in moves}
        | {a for moves in CERT_TRANSITIONS.values() for a in moves}
    }
    keys |= {f"review.state.{s}" for s in SUBMISSION_STATUSES} | {f"sub.review_state.{s}" for s in SUBMISSION_STATUSES}
    keys |= {f"review.decision.{d}" for d in REVIEW_DECISIONS} | {f"conv.kind.{k}" for k in COMMENT_KINDS}
    keys |= {f"run.purpose.{p}" for p in PROBE_RUN_PURPOSES} | {f"org.kind.{k}" for k in ORG_KINDS}
    keys |= {f"certs.reason.{a}" for a in ("suspend", "reinstate", "revoke")} | {"verify.empty"}
    keys |= {
        f"audit.submission.{a}"
        for a in (
            "draft_created",
            "answers_merged",
            "answers_replaced",
            "submitted",
            "resubmitted",
            "taken",
            "criterion_decided",
            "changes_requested",
            "rejected",
            "approval_recorded",
            "approved",
            "withdrawn",
            "comment_added",
        )
    }
    keys |= {f"err.{k}" for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")}
    versions = list_versions()
    keys |= {f"changes.{kind}" for kind in diff_sets(load_set(versions[0]), load_set(versions[-1]))["changes"]}
    keys |= {
        f"category.{m[len('block_rate_') :]}"
        for m in vocab.probe_measurements("content_filtering")
        if m.startswith("block_rate_")
    }
    return keys


def _answer_keys() -> set[str]:
    """A label for every part of every answer, and for every choice, in every criteria version."""
    keys = set()

    def walk(cid: str, schema: dict) -> None:
        for value in schema.get("enum", []) + schema.get("items", {}).get("enum", []):
            keys.add(f"choice.{value}")
        for prop, sub in schema.get("properties", {}).items():
            keys.add(f"field.{cid}.{prop}" if f"field.{cid}.{prop}" in CATALOG else f"field.{prop}")
            walk(cid, sub)

    for version in list_versions():
        for criterion in load_set(version).criteria.values():
            walk(criterion.id, criterion.question["answer_schema"])
    return keys


def test_every_key_used_is_in_the_catalog():
    used = _used_keys() | _dynamic_keys() | _answer_keys()
    assert len(used) > 300
    assert sorted(used - set(CATALOG)) == []


def test_formatting_follows_the_language():
    vi, en = Translator("vi"), Translator("en")
    assert vi.number(0.95) == "0,95" and en.number(0.95) == "0.95"
    assert vi.number(8760) == "8.760" and en.number(8760) == "8,760"
    assert vi.percent(0.975) == "97,5%" and en.percent(0.975) == "97.5%"
    moment = datetime(2025, 10, 1, 20, 0, tzinfo=UTC)  # already 2 October in Vietnam
    assert vi.date(moment) == "2 tháng 10, 2025" and en.date(moment) == "October 2, 2025"
    assert parse_number("0,95") == 0.95 and parse_number("600") == 600 and parse_number("1e5") is None


def _fragments(text: str) -> list[str]:
    return [f.strip(" .,:;()“”—-") for f in PLACEHOLDER.split(text)]


def _only_in(lang: int) -> set[str]:
    """Catalog fragments of one language that no string of the other language contains."""
    other_texts = [texts[1 - lang] for texts in CATALOG.values()]
    found = set()
    for texts in CATALOG.values():
        if texts[0] == texts[1]:
            continue
        for fragment in _fragments(texts[lang]):
            long_enough = len(fragment) >= 6 and (lang == 0 or " " in fragment)
            if long_enough and not any(fragment in other for other in other_texts):
                found.add(fragment)
    return found


@pytest.fixture
def pages(world, catalogue):
    """Every page with real content, as (browser, path) pairs or (browser, (path, fields, page)) for a page
    answering a form, and a step with errors."""
    from tests.web.test_vendor_pages import VERSION

    api = world.api
    draft = api.submission(world.product_a, answers={})
    submitted = api.submission(world.product_b, "submitted", version=VERSION)
    vendor_a, vendor_b, anonymous = (
        world.site.browser("vendor_a"),
        world.site.browser("vendor_b"),
        world.site.browser(),
    )
    paths = [
        (anonymous, p)
        for p in (
            "/",
            "/?q=bao+ve+tre+em",
            f"/products/{catalogue['safekid'].id}",
            f"/products/{catalogue['dns'].id}",
            "/certificates",
            "/certificates/VCSC-2025-000123",
            f"/certificates/{catalogue['revoked'].id}",
            "/certificates/KHONG-CO",
            "/criteria",
            "/criteria/vcsc-2024.1",
            "/criteria/vcsc-2025.1",
            "/criteria/changes",
            "/embed-badge",
            "/embed-badge?certificate=VCSC-2025-000123",
            "/sign-in",
            "/sign-up",
            "/forgot-password",
            "/verify-email?token=abc",
            "/verify-email",
            "/khong-co-trang-nay/../products/999999",
        )
    ]
    paths += [
        (vendor_a, p)
        for p in (
            "/dashboard",
            "/dashboard/products/new",
            f"/dashboard/products/{world.product_a.id}",
            f"/dashboard/submissions/{draft.id}",
            "/account",
        )
    ]
    paths += [(vendor_a, f"/dashboard/submissions/{draft.id}/steps/{g['id']}") for g in load_vocabulary().groups]
    paths += [
        (vendor_b, p)
        for p in (f"/dashboard/submissions/{submitted.id}", f"/dashboard/submissions/{submitted.id}/probe-runs/new")
    ]
    paths += [(vendor_b, f"/dashboard/probe-runs/{run_id}") for run_id in probe_runs_for(api, submitted)]
    return paths + _review_pages(world), vendor_a, draft


def _review_pages(world) -> list[tuple]:
    """The pages of phase 2 with real content: a review with a discrepancy, a decision and comments; changes
    requested and the next revision; a certificate flagged by monitoring; notifications; administration."""
    api, site = world.api, world.site
    reviewer_id = site.people["reviewer"].id
    disc = in_review(world, api.product(world.org_a, "Trình duyệt An Toàn A"))
    changes = in_review(world, api.product(world.org_b, "Bộ lọc Gia Đình B"), discrepancy=False)
    cert = approved(world, api.product(world.org_a, "Ứng dụng Bé Ngoan A"))
    with api.sessions.begin() as session:
        reviewer = session.get(User, reviewer_id)
        review.decide_criterion(
            session,
            reviewer,
            session.get(Submission, disc.id),
            "CF-01",
            "override",
            "passed",
            "Lời nhắn thử nghiệm số một",
        )
        review.add_comment(session, reviewer, session.get(Submission, disc.id), "Lời nhắn thử nghiệm số hai", "CF-01")
        asked = session.get(Submission, changes.id)
        review.request_changes(
            session, reviewer, asked, "Lời nhắn thử nghiệm số ba", {"CF-01": "Lời nhắn thử nghiệm số bốn"}
        )
        draft = assessments.new_draft(
            session, asked.product, session.get(User, site.people["vendor_b"].id), asked.criteria_version, None
        )
        draft_id = draft.id
        row = session.get(Certificate, cert.id)
        row.flagged_at = utcnow()
        row.flag_reason = {
            "probe_run_id": 1,
            "regressions": [
                {"criterion_id": "CF-01", "probe_id": "content_filtering", "approved_outcome": "passed", "failures": []}
            ],
        }
        session.add(
            Notification(
                user_id=reviewer_id,
                kind="certificate.flagged",
                object_type="certificate",
                object_id=cert.id,
                created_at=utcnow(),
                message={"vi": "Lời nhắn thử nghiệm số năm", "en": "Test note number five"},
            )
        )
    staff, admin = site.browser("reviewer"), site.browser("admin")
    vendor_a, vendor_b = site.browser("vendor_a"), site.browser("vendor_b")
    paths = [
        (staff, p)
        for p in (
            "/review",
            "/review?status=changes_requested",
            f"/review/submissions/{disc.id}",
            f"/review/submissions/{disc.id}/criteria/DOC-01",
            "/review?assigned=unassigned",
            f"/review/submissions/{changes.id}",
            "/dashboard",
            "/dashboard/certificates",
            f"/dashboard/certificates/{cert.id}",
            "/dashboard/notifications",
            f"/dashboard/submissions/{disc.id}/audit",
            f"/dashboard/submissions/{changes.id}/audit",
        )
    ]
    paths += [
        (vendor_a, p)
        for p in (
            "/dashboard/certificates",
            f"/dashboard/certificates/{cert.id}",
            f"/dashboard/submissions/{disc.id}",
            "/dashboard/notifications",
        )
    ]
    paths += [
        (vendor_b, p)
        for p in (
            f"/dashboard/submissions/{changes.id}",
            f"/dashboard/submissions/{draft_id}",
            f"/dashboard/submissions/{draft_id}/steps/features",
        )
    ]
    paths += [
        (admin, p)
        for p in (
            "/admin/users",
            "/admin/users/new",
            f"/admin/users/{reviewer_id}",
            "/admin/organisations",
            "/admin/criteria",
        )
    ]
    # Pages answering a form: results and the domain's refusals, shown where the form was.
    head, body, _ = cert.credential_jws.split(".")
    posted = [
        (site.browser(), "/certificates/verify", {"credential": cert.credential_jws}, "/certificates"),
        (site.browser(), "/certificates/verify", {"credential": f"{head}.{body}.AAAA"}, "/certificates"),
        (staff, f"/review/submissions/{disc.id}/take", {}, "/review"),
        (staff, f"/review/submissions/{disc.id}/criteria/DOC-01", {"decision": "override"}, "/review"),
        (staff, f"/review/submissions/{disc.id}/decision", {"decision": "reject"}, "/review"),
        (staff, f"/dashboard/certificates/{cert.id}/status/revoke", {"reason": ""}, "/review"),
        (admin, "/admin/users", {"email": "x", "password": "y", "role": "admin"}, "/admin/users"),
        (admin, "/admin/organisations", {"name": "Công ty A", "kind": "vendor"}, "/admin/users"),
        (vendor_b, f"/dashboard/submissions/{draft_id}/comments", {"body": "x"}, "/dashboard"),
    ]
    return paths + [(browser, (path, data, page)) for browser, path, data, page in posted]


def _posted_errors(vendor_a, draft, lang: str) -> str:
    """A step answered wrongly: the error messages are part of the page too."""
    vendor_a.client.cookies.set("lang", lang)
    step = f"/dashboard/submissions/{draft.id}/steps/features"
    response = vendor_a.post(
        step,
        {
            "a.CF-01.v.block_rate": "abc",
            "a.CF-01.v.corpus_size": "0",
            "a.CF-02.v.over_block_rate": "2",
            "a.CF-07.v": "__none__",
            "a.PC-08.na": "1",
            "a.CF-01.ev_url": "ftp://x",
        },
    )
    assert response.status_code == 422
    return response.text


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_pages_show_no_string_of_the_other_language(pages, lang):
    paths, vendor_a, draft = pages
    foreign = _only_in(0 if lang == "en" else 1)
    assert len(foreign) > 100
    problems = []
    htmls = []
    for browser, path in paths:
        if isinstance(path, tuple):  # a form sent: (path, fields, the page it is on)
            browser.client.cookies.set("lang", lang)
            response = browser.post(path[0], path[1], page=path[2])
            path = path[0]
            assert response.status_code in (200, 409, 422), (path, response.status_code)
        else:
            response = browser.get(path, params={"lang": lang})
            assert response.status_code in (200, 404), (path, response.status_code)
        htmls.append((path, response.text))
    htmls.append(("step with errors", _posted_errors(vendor_a, draft, lang)))
    for path, html in htmls:
        assert f'<html lang="{lang}">' in html, path
        page = unescape(html)
        problems += [(path, fragment) for fragment in foreign if fragment in page]
    assert problems == [], problems


def test_every_page_has_one_h1_and_headings_in_order(pages):
    """WCAG basics the pages share: one h1, and no heading level skipped on the way down."""
    paths, _, _ = pages
    for browser, path in paths:
        if isinstance(path, tuple):
            html = browser.post(path[0], path[1], page=path[2]).text
        else:
            html = browser.get(path).text
        levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
        assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (path, levels)


def test_language_switch_sets_a_cookie_and_returns(world):
    browser = world.site.browser()
    vi = browser.get("/criteria")
    assert '<html lang="vi">' in vi.text and 'href="/lang/en?next=/criteria"' in vi.text
    switched = browser.get("/lang/en", params={"next": "/criteria?type=kid_browser"})
    assert switched.status_code == 303 and switched.headers["location"] == "/criteria?type=kid_browser"
    assert "lang=en" in switched.headers["set-cookie"]
    en = browser.get("/criteria")
    assert '<html lang="en">' in en.text and "Certification criteria" in en.text
    assert 'href="/lang/vi?next=/criteria" lang="vi" hreflang="vi">Tiếng Việt</a>' in en.text
    assert '<html lang="vi">' in browser.get("/criteria", params={"lang": "vi"}).text  # ?lang= wins for a request
    assert browser.get("/lang/en", params={"next": "https://evil.example/"}).headers["location"] == "/"
    assert browser.get("/lang/fr").status_code == 404


def test_language_switch_on_a_page_answering_a_form(world):
    """A result or a form sent back with errors has no address of its own: the switch returns to the form's page."""
    browser = world.site.browser()
    answer = browser.post(
        "/certificates/verify",
        {"credential": "a.b.c"},
        page="/certificates",
        headers={"Referer": "http://testserver/certificates?id=x&lang=vi"},
    )
    assert answer.status_code == 200 and 'href="/lang/en?next=/certificates%3Fid%3Dx"' in answer.text
    foreign = browser.post(
        "/certificates/verify",
        {"credential": "a.b.c"},
        page="/certificates",
        headers={"Referer": "https://evil.example/certificates"},
    )
    assert 'href="/lang/en?next=/"' in foreign.text


def test_dates_and_numbers_on_pages(catalogue, world):
    from babel.dates import format_date

    from checker.i18n import TIMEZONE

    valid_until = catalogue["cert"].valid_until.astimezone(TIMEZONE).date()
    browser = world.site.browser()
    vi = browser.get("/certificates/VCSC-2025-000123").text
    en = browser.get("/certificates/VCSC-2025-000123", params={"lang": "en"}).text
    assert format_date(valid_until, "long", locale="vi") in vi
    assert format_date(valid_until, "long", locale="en") in en
    step_hint = browser.get("/criteria/vcsc-2025.1", params={"lang": "en"}).text
    assert "Adult content blocked" in step_hint


def test_templates_have_no_words_of_their_own():
    """Every visible word comes from the catalog or the data: the templates' own text is only punctuation."""
    for path in (WEB / "templates").glob("*.html"):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)  # Jinja
        source = re.sub(r'<textarea[^>]*class="code"[^>]*>.*?</textarea>', " ", source, flags=re.S)  # HTML snippets
        source = re.sub(r'\baria-[a-z]+="[^"]*"', " ", source)  # attributes the macros write
        source = re.sub(r"<!DOCTYPE html>|<[^>]*>|&[a-z]+;", " ", source)  # tags and entities
        words = re.findall(r"[^\W\d_]{2,}", source)
        assert words == [], f"{path.name}: {words}"


def test_a_lang_link_keeps_the_language_for_the_forms_that_follow(site):
    """Arriving by a ?lang=en link, the next pages (a form's answer included) stay in English."""
    client = site.api.client
    first = client.get("/certificates?lang=en")
    assert first.status_code == 200 and '<html lang="en">' in first.text
    assert client.cookies.get("lang") == "en"
    after = client.get("/criteria")
    assert '<html lang="en">' in after.text


def test_the_pager_links_keep_the_filters():
    """The shared pager macro: previous/next only where they exist, the list's filters kept, HTML-escaped."""
    from api.web.rendering import _env
    from checker.i18n import Translator

    pager = _env.from_string('{% import "_macros.html" as m with context %}{{ m.pager(page, pages, base) }}')
    t = Translator("en")
    middle = pager.render(t=t, page=2, pages=3, base="/review?status=submitted&type=kid_browser&")
    assert 'href="/review?status=submitted&amp;type=kid_browser&amp;page=1" rel="prev"' in middle
    assert 'href="/review?status=submitted&amp;type=kid_browser&amp;page=3" rel="next"' in middle
    first = pager.render(t=t, page=1, pages=3, base="?")
    assert 'rel="prev"' not in first and 'href="?page=2"' in first
    assert pager.render(t=t, page=1, pages=1, base="?").strip() == ""
