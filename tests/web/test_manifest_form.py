"""The probe-manifest builder: form fields map to the manifest the schema validates, and back; secrets are never
written into the page but kept (sealed) across a re-rendered form; login-step rows grow without JavaScript;
errors stand at their field; the pre-flight check shows each step in both languages."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from starlette.datastructures import FormData

from api.core.models import ProbeRun
from api.domain.sealing import ManifestBox, load_box, open_manifest
from api.web import manifest_form as mf
from checker.probes import preflight as preflight_module
from checker.probes.manifest import validate_manifest
from tests.web.conftest import text_of
from tests.web.test_vendor_pages import VERSION, field_block

BOX = ManifestBox(b"k" * 32, None)
FULL = {
    "name": "SafeKid thử",
    "product_type": "kid_browser",
    "start_url": "https://safekid.example.vn/",
    "filtering": {"mode": "proxy", "proxy": "10.0.0.5:3128"},
    "accounts": {
        "parent": {"username": "me@x.vn", "password": "pw-parent-1", "parental_pin": "4321"},
        "child": {"username": "be@x.vn", "password": "pw-child-1"},
    },
    "login_steps": [
        {"action": "goto", "url": "https://safekid.example.vn/dang-nhap"},
        {"action": "fill", "selector": "input[name=email]", "value": "{username}"},
        {"action": "fill", "selector": "input[name=password]", "value": "{password}"},
        {"action": "press", "selector": "input[name=password]", "key": "Enter"},
    ],
    "pages": {"settings": "https://safekid.example.vn/cai-dat", "login": "https://safekid.example.vn/dang-nhap"},
    "logged_in": {"url_pattern": "/tai-khoan/*"},
    "block_page_markers": ["SafeKid đã chặn"],
    "allowed_hosts": ["cdn.safekid.example.vn", "*.api.example.vn"],
}


def _posted(values: dict) -> FormData:
    """The builder form as a browser posts it for these field values (password fields as typed)."""
    return FormData(list(values.items()))


def _form_fields(form: mf.ManifestForm, typed_secrets: bool = True) -> dict:
    fields = {**form.values, "step_rows": str(form.step_rows)}
    if typed_secrets:
        for key, value in form.secrets.items():
            role, name = key.split(".")
            fields[f"acc_{role}_{mf.SECRET_FIELDS[name]}"] = value
    return fields


def test_a_full_manifest_goes_to_the_form_and_back_unchanged():
    form = mf.from_manifest(FULL, "kid_browser")
    assert form.values["acc_parent_username"] == "me@x.vn" and form.step_rows == 6  # 4 steps + 2 blank rows
    assert "pw-parent-1" not in json.dumps(form.values)  # secrets are not field values
    back = mf.read_form(_posted(_form_fields(form)), BOX, 1)
    assert back.errors == {} and back.manifest == FULL
    assert validate_manifest(back.manifest) == []


def test_the_smallest_manifest_and_empty_rows_are_left_out():
    form = mf.read_form(
        _posted(
            {
                "product_type": "filtering_app",
                "start_url": " https://x.vn ",
                "filtering_mode": "none",
                "step_rows": "4",
                "step_2_action": "",
                "acc_child_username": "",
            }
        ),
        BOX,
        1,
    )
    assert form.errors == {}
    assert form.manifest == {
        "product_type": "filtering_app",
        "start_url": "https://x.vn",
        "filtering": {"mode": "none"},
    }


@pytest.mark.parametrize(
    "values, field, key",
    [
        ({"filtering_mode": "proxy"}, "proxy", "mf.err.proxy_needed"),
        ({"filtering_mode": "none"}, "start_url", "mf.err.start_url_needed"),
        ({"filtering_mode": "none", "start_url": "https://x.vn", "proxy": "h:1"}, "proxy", "mf.err.proxy_unused"),
        ({}, "filtering_mode", "err.choice"),
        (
            {"filtering_mode": "none", "start_url": "https://x.vn", "acc_child_password": "pw"},
            "acc_child_username",
            "mf.err.username_needed",
        ),
        (
            {"filtering_mode": "none", "start_url": "https://x.vn", "acc_child_username": "be"},
            "acc_child_password",
            "mf.err.password_needed",
        ),
        (
            {"filtering_mode": "none", "start_url": "https://x.vn", "step_1_selector": "#a"},
            "step_1_action",
            "mf.err.action_needed",
        ),
        (
            {"filtering_mode": "none", "start_url": "https://x.vn", "corpus_sample": "12a"},
            "corpus_sample",
            "err.type_integer",
        ),
    ],
)
def test_the_forms_own_checks_name_the_field(values, field, key):
    form = mf.read_form(_posted({"product_type": "kid_browser", **values}), BOX, 1)
    assert form.errors == {field: [key]}


def test_secrets_survive_a_rerender_only_sealed_and_only_for_this_product():
    first = mf.read_form(
        _posted(
            {
                "product_type": "kid_browser",
                "filtering_mode": "none",
                "start_url": "https://x.vn",
                "acc_parent_username": "me",
                "acc_parent_password": "s3cret-pw",
                "acc_parent_pin": "9876",
            }
        ),
        BOX,
        7,
    )
    token = mf.seal_secrets(first.secrets, BOX, 7)
    assert "s3cret-pw" not in token and "9876" not in token
    again = mf.read_form(_posted({**first.values, "secrets_sealed": token}), BOX, 7)  # password fields left empty
    assert again.manifest["accounts"]["parent"] == {"username": "me", "password": "s3cret-pw", "parental_pin": "9876"}
    assert again.kept("parent", "password")
    other_product = mf.read_form(_posted({**first.values, "secrets_sealed": token}), BOX, 8)
    assert other_product.errors == {"acc_parent_password": ["mf.err.password_needed"]}
    forgotten = mf.read_form(_posted({**first.values, "acc_parent_username": "", "secrets_sealed": token}), BOX, 7)
    assert "accounts" not in forgotten.manifest  # emptying the user name drops the account and its secrets
    assert mf.seal_secrets({}, BOX, 7) == ""


def test_add_row_grows_the_steps_and_a_step_error_points_at_its_row():
    form = mf.read_form(
        _posted({"product_type": "kid_browser", "step_rows": "4", "step_3_action": "click", "step_3_selector": "#go"}),
        BOX,
        1,
        add_rows=True,
    )
    assert form.step_rows == 6 and form.step_of_row == {0: 3}
    assert mf.field_of("/manifest/login_steps/0/selector", form.step_of_row) == "step_3_selector"
    assert mf.field_of("/manifest/login_steps/0", form.step_of_row) == "step_3_action"
    assert mf.read_form(_posted({"step_rows": "30"}), BOX, 1, add_rows=True).step_rows == mf.MAX_STEPS
    assert mf.read_form(_posted({"step_rows": "many"}), BOX, 1).step_rows == mf.MIN_STEP_ROWS


@pytest.mark.parametrize(
    "pointer, field",
    [
        ("/manifest/start_url", "start_url"),
        ("/manifest/filtering/proxy", "proxy"),
        ("/manifest/filtering", "filtering_mode"),
        ("/manifest/accounts/child/parental_pin", "acc_child_pin"),
        ("/manifest/accounts/parent", "acc_parent_username"),
        ("/manifest/pages/signup", "page_signup"),
        ("/manifest/logged_in", "logged_in_selector"),
        ("/manifest/allowed_hosts/1", "allowed_hosts"),
        ("/manifest/corpus/csv", "corpus_csv"),
        ("/manifest", None),
    ],
)
def test_pointers_map_to_fields(pointer, field):
    assert mf.field_of(pointer, {}) == field


def test_members_the_form_lacks_are_named_on_import():
    assert mf.unsupported({**FULL, "$schema": "x", "extra": 1}) == ["extra"]


# --- the page -------------------------------------------------------------------------------------


def _page_fields(html: str) -> list[tuple[str, str]]:
    """The builder form's fields as the page fills them (text inputs, selected options, checked radios, hidden)."""
    form = html[html.index('<input type="hidden" name="source" value="form">') - 400 :]
    form = form[: form.index("</form>")]
    fields = [
        (n, v) for n, v in re.findall(r'<input type="(?:text|url|hidden)" [^>]*?name="([^"]+)" value="([^"]*)"', form)
    ]
    fields += re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    fields += re.findall(r'<input type="radio" name="([^"]+)" value="([^"]*)" checked', form)
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields.append((name, chosen.group(1) if chosen else ""))
    for name, body in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields.append((name, body))
    return [(n, v) for n, v in dict(fields).items()]


def test_builder_form_errors_stand_at_their_fields_and_nothing_is_echoed(world):
    browser = world.site.browser("vendor_a")
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    new = f"/dashboard/submissions/{submission.id}/probe-runs/new"
    start = f"/dashboard/submissions/{submission.id}/probe-runs"
    page = browser.get(new)
    assert page.status_code == 200 and 'name="source" value="form"' in page.text
    fields = dict(_page_fields(page.text))
    assert fields["product_type"] == "filtering_app" and fields["filtering_mode"] == "none"
    fields.update(
        start_url="ftp://x",
        acc_child_username="be@a.vn",
        acc_child_password="pw-child-9",
        acc_child_pin="12",
        step_0_action="goto",
        step_0_url="not a url",
        action="start",
    )
    bad = browser.post(start, list(fields.items()), page=new)
    assert bad.status_code == 422
    assert "Hãy nhập địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://" in field_block(bad.text, "mf-start_url")
    assert "Hãy nhập địa chỉ đầy đủ" in field_block(bad.text, "mf-step_0_url")
    assert "mã PIN phải gồm 4–16" in field_block(bad.text, "mf-acc_child_pin")
    assert 'href="#mf-start_url"' in bad.text  # the summary links to the field
    assert 'value="ftp://x"' in bad.text and 'value="not a url"' in bad.text  # what was typed comes back
    assert "pw-child-9" not in bad.text and 'value="12"' not in bad.text  # secrets do not
    assert "Đã nhập trước đó và được giữ lại" in field_block(bad.text, "mf-acc_child_password")
    assert "Đã nhập trước đó" not in field_block(bad.text, "mf-acc_child_pin")  # a refused secret is typed again
    with world.api.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProbeRun)) == 0

    fixed = dict(_page_fields(bad.text))
    fixed.update(
        start_url="https://san-pham.example.vn",
        step_0_url="https://san-pham.example.vn/dang-nhap",
        acc_child_pin="",
        action="add_step",
    )
    more = browser.post(start, list(fixed.items()), page=new)
    assert more.status_code == 200 and 'id="mf-step_5_action"' in more.text and 'id="mf-step_6_action"' not in more.text

    fixed = dict(_page_fields(more.text))
    fixed.update(action="show_json")
    shown = browser.post(start, list(fixed.items()), page=new)
    view = text_of(shown.text[shown.text.index('id="json-view"') :])
    assert '"password": "********"' in view and "pw-child-9" not in shown.text

    fixed.update(action="start")
    started = browser.post(start, list(fixed.items()) + [("only", "transport")], page=new)
    assert started.status_code == 303, text_of(started.text)[:2000]
    with world.api.sessions() as session:
        run = session.scalar(sa.select(ProbeRun))
        stored = open_manifest(run.manifest, load_box(world.site.app.state.settings.keys_dir), submission.product_id)
        assert run.only == ["transport"] and "pw-child-9" not in json.dumps(run.manifest)
        assert run.manifest["accounts"]["child"] == {"username": "be@a.vn", "password": "********"}
        assert run.manifest["login_steps"] == [{"action": "goto", "url": "https://san-pham.example.vn/dang-nhap"}]
        assert stored["accounts"]["child"] == {"username": "be@a.vn", "password": "pw-child-9"}  # sealed, intact


def test_json_import_fills_the_form_and_domain_errors_point_at_fields(world):
    browser = world.site.browser("vendor_a")
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    new = f"/dashboard/submissions/{submission.id}/probe-runs/new"
    start = f"/dashboard/submissions/{submission.id}/probe-runs"
    imported = browser.post(start, {"source": "json", "action": "import", "manifest": json.dumps(FULL)}, page=new)
    assert imported.status_code == 200
    assert "Đã đưa bản mô tả JSON vào biểu mẫu" in imported.text
    fields = dict(_page_fields(imported.text))
    assert (
        fields["proxy"] == "10.0.0.5:3128"
        and fields["step_3_key"] == "Enter"
        and fields["product_type"] == "kid_browser"
    )
    assert "pw-parent-1" not in imported.text and "4321" not in imported.text
    fields["action"] = "start"  # the product is a filtering_app: the domain refuses the type, at its field
    refused = browser.post(start, list(fields.items()), page=new)
    assert refused.status_code == 422
    assert "filtering_app" in field_block(refused.text, "mf-product_type")
    en = browser.post(start + "?lang=en", list(fields.items()), page=new + "?lang=en")
    assert "Must equal the product's type" in text_of(field_block(en.text, "mf-product_type"))


def test_preflight_on_the_page_shows_each_step_in_both_languages(world, monkeypatch):
    seen = {}

    async def fake_preflight(data, *, settings=None, browser_host=None, out_dir=None):
        seen["manifest"] = data
        return preflight_module.PreflightReport(
            [
                preflight_module.Step("manifest", "ok", {"vi": "Manifest hợp lệ.", "en": "The manifest is valid."}),
                preflight_module.Step(
                    "start_url",
                    "ok",
                    {"vi": "Trang bắt đầu trả lời (HTTP 200).", "en": "The start page answered (HTTP 200)."},
                ),
                preflight_module.Step(
                    "login.child",
                    "failed",
                    {
                        "vi": "sau khi gửi biểu mẫu, trang báo lỗi đăng nhập",
                        "en": "after sending the form the page reported a login error",
                    },
                    {"steps": [{"action": "fill", "selector": "#email", "ok": True}]},
                ),
            ]
        )

    monkeypatch.setattr(preflight_module, "preflight", fake_preflight)
    browser = world.site.browser("vendor_a")
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    new = f"/dashboard/submissions/{submission.id}/probe-runs/new"
    start = f"/dashboard/submissions/{submission.id}/probe-runs"
    fields = dict(_page_fields(browser.get(new).text))
    fields.update(acc_child_username="be@a.vn", acc_child_password="pw-c", action="check")
    checked = browser.post(start, list(fields.items()), page=new)
    assert checked.status_code == 200
    report = text_of(checked.text[checked.text.index('id="preflight"') : checked.text.index('id="builder-title"')])
    assert "Chưa sẵn sàng: hãy sửa các bước thất bại." in report and "Not ready: fix the failed steps." in report
    assert "Đăng nhập tài khoản trẻ — thất bại" in report
    assert "trang báo lỗi đăng nhập" in report and "the page reported a login error" in report
    assert seen["manifest"]["accounts"]["child"]["password"] == "pw-c" and "pw-c" not in checked.text
    with world.api.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProbeRun)) == 0  # nothing stored
    # The JSON form has the same check.
    json_check = browser.post(
        start, {"source": "json", "action": "check", "manifest": json.dumps(seen["manifest"])}, page=new
    )
    assert json_check.status_code == 200 and 'id="preflight"' in json_check.text
