"""Gather: on the sign-up page, read the age question as it first appears, declare an under-16
birth date (other fields get plausible test data) and record where that leads; then, in the
same session, go back and declare an adult birth date with a fresh e-mail address, and
record whether an account is created without a word."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING, Any

from checker.probes.age_assurance.evaluate import age_fields
from checker.probes.login import (
    browser_lost,
    error_code,
    field_locator,
    form_fields,
    goto,
    new_lines,
    read_page,
    signed_in,
    submit_form,
    validation_messages,
)
from checker.probes.signals import _any, fold

if TYPE_CHECKING:
    from playwright.async_api import Page

    from checker.probes.runner import ProbeContext

CHILD_AGE_YEARS = 12
ADULT_AGE_YEARS = 30
SKIP_TYPES = ("hidden", "submit", "button", "image", "reset", "file", "range", "color")
NAME_WORDS = _any([r"\bho (?:va )?ten\b", r"\bten\b", r"\bname\b", r"\bbiet danh\b", r"\bnickname\b"])
USERNAME_WORDS = _any([r"ten dang nhap", r"\busername\b", r"\buser name\b", r"\bbiet danh\b", r"\bnickname\b"])
TERMS_WORDS = _any(
    [r"dieu khoan", r"dong y", r"chap nhan", r"\bterms\b", r"\bagree\b", r"\baccept\b", r"chinh sach", r"\bpolicy\b"]
)
PARENT_EMAIL_WORDS = _any([r"(?:bo|cha|me|phu huynh|nguoi giam ho)", r"parent", r"guardian"])


def _birth_date(years: int, today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - years) - dt.timedelta(days=40)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28) - dt.timedelta(days=40)


def _age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _numbers(label: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", label)]


def _option_for(options: list[dict[str, Any]], wanted: int, *, age: int | None = None) -> dict[str, Any] | None:
    """The option of a select that says `wanted` (a day, month or year), or for an age-range
    select the range that holds `age` ("Dưới 16", "13-15", "16+", "Từ 18 tuổi trở lên")."""
    real = [o for o in options if o.get("value") and not o.get("disabled")]
    for o in real:
        if str(wanted) in (o["value"].strip(), (o.get("text") or "").strip()) or _numbers(o.get("text") or "") == [
            wanted
        ]:
            return o
    if age is None:
        return None
    for o in real:
        label = fold(o.get("text") or o["value"])
        nums = _numbers(label)
        if not nums:
            continue
        if re.search(r"duoi|under|less than|<|younger", label):
            if age < nums[0]:
                return o
        elif re.search(r"tro len|tren|over|older|\+|>=|plus|from|tu \d", label):
            if age >= nums[0] and (len(nums) == 1 or age <= nums[-1]):
                return o
        elif len(nums) == 2 and nums[0] <= age <= nums[1]:
            return o
    return None


def _radio_matches(label: str, age: int) -> bool | None:
    label = fold(label)
    nums = _numbers(label)
    if not nums:
        return None
    if re.search(r"duoi|under|less than|younger|<", label):
        return age < nums[0]
    if re.search(r"tro len|tren|over|older|\+|>=|or more|at least|du \d", label):
        return age >= nums[0]
    if len(nums) == 2:
        return nums[0] <= age <= nums[1]
    return None


def _date_text(born: dt.date, hint: str) -> str:
    hint = (hint or "").lower()
    if "yyyy-mm-dd" in hint or "yyyy/mm/dd" in hint:
        return born.strftime("%Y-%m-%d")
    if re.search(r"mm[/.-]dd", hint):
        return born.strftime("%m/%d/%Y")
    return born.strftime("%d/%m/%Y")  # the Vietnamese order


async def _fill(
    page: Page, fields: list[dict[str, Any]], born: dt.date, today: dt.date, email: str, password: str
) -> tuple[list[dict[str, Any]], int]:
    """Fill the sign-up form: the age question with `born`, the rest with test data.
    Returns (what was done per field, the form to submit)."""
    age = _age_on(born, today)
    done: list[dict[str, Any]] = []
    ages = {f["index"]: f for f in age_fields(fields)}
    target_form = next((f["form"] for f in ages.values()), None)
    if target_form is None:
        target_form = next((f["form"] for f in fields if f["visible"] and f["type"] in ("password", "email")), -1)
    for f in fields:
        if not f["visible"] or f["disabled"] or f["readonly"] or f["type"] in SKIP_TYPES:
            continue
        if target_form is not None and f["form"] != target_form:
            continue
        label = fold(f"{f['name']} {f.get('group') or ''}")
        locator = field_locator(page, f)
        action = {"label": f["name"][:80], "type": f["type"] or f["tag"]}
        try:
            if f["index"] in ages:
                part = ages[f["index"]]["part"]
                action["part"] = part
                if part == "date":
                    await locator.fill(born.isoformat())
                elif part == "month_input":
                    await locator.fill(born.strftime("%Y-%m"))
                elif part == "checkbox":
                    # "I am 16 or older" and the like: ticked only when true of the declared age.
                    truth = _radio_matches(f["name"], age)
                    await locator.set_checked(bool(truth))
                elif part == "radio":
                    if _radio_matches(f["name"], age):
                        await locator.check()
                    else:
                        continue
                elif f["tag"] == "select":
                    wanted = {"day": born.day, "month": born.month, "year": born.year, "age": age}.get(part, born.year)
                    option = _option_for(
                        f.get("options") or [], wanted, age=age if part in ("age", "text_date") else None
                    )
                    if option is None and part == "month":
                        real = [o for o in f.get("options") or [] if o.get("value")]
                        option = real[born.month - 1] if len(real) == 12 else None
                    if option is None:
                        action["error"] = "no_matching_option"
                        done.append(action)
                        continue
                    await locator.select_option(value=option["value"])
                else:
                    value = {
                        "day": str(born.day),
                        "month": str(born.month),
                        "year": str(born.year),
                        "age": str(age),
                    }.get(part) or _date_text(born, f.get("placeholder") or f["name"])
                    await locator.fill(value)
                action["value"] = "(age)"
            elif f["type"] == "email" or re.search(r"\be-?mail\b|thu dien tu", label):
                if PARENT_EMAIL_WORDS.search(label):
                    continue  # a parent's address is not ours to give
                await locator.fill(email)
            elif f["type"] == "password":
                await locator.fill(password)
            elif f["type"] == "tel":
                await locator.fill("0901234567")
            elif f["type"] == "checkbox":
                if f["required"] or TERMS_WORDS.search(label):
                    await locator.set_checked(True)
                else:
                    continue
            elif f["type"] == "radio":
                if f["required"] and not any(
                    g["checked"] for g in fields if g["type"] == "radio" and g.get("group") == f.get("group")
                ):
                    await locator.check()
                else:
                    continue
            elif f["tag"] == "select":
                if f["value"]:
                    continue
                option = next((o for o in f.get("options") or [] if o.get("value") and not o.get("disabled")), None)
                if option is None:
                    continue
                await locator.select_option(value=option["value"])
            elif f["tag"] == "textarea":
                if not f["required"]:
                    continue
                await locator.fill("Tài khoản thử nghiệm / test account")
            elif f["type"] in ("text", "", "search", "url", "number"):
                if f["value"]:
                    continue
                if USERNAME_WORDS.search(label):
                    await locator.fill("vcscprobe" + email.split("-")[-1].split("@")[0][:8])
                elif NAME_WORDS.search(label):
                    await locator.fill("Nguyễn Minh An")
                elif f["required"]:
                    await locator.fill("vcsc-test")
                else:
                    continue
            else:
                continue
        except Exception as exc:
            if browser_lost(exc):
                raise
            action["error"] = error_code(str(exc), type(exc).__name__)[:160]
        done.append(action)
    return done, (target_form if target_form is not None else -1)


async def _attempt(
    ctx: ProbeContext,
    page: Page,
    signup_url: str,
    years: int,
    email: str,
    password: str,
    label: str,
    reference_text: str = "",
) -> dict[str, Any]:
    today = dt.date.today()
    born = _birth_date(years, today)
    record: dict[str, Any] = {"birth_date": born.isoformat(), "declared_age": _age_on(born, today), "error": None}
    loaded = await goto(page, signup_url, ctx.page_timeout_ms)
    record["load"] = {k: loaded.get(k) for k in ("final_url", "status", "error")}
    if loaded["error"]:
        record["error"] = loaded["error"]
        return record
    before = await read_page(page)
    fields = await form_fields(page)
    record["age_fields_found"] = len(age_fields(fields))
    if not record["age_fields_found"]:
        # The sign-up page no longer asks (it may now send this session to the parent flow,
        # or say the date cannot be changed): what it shows instead is the answer.
        record["error"] = "no_age_question"
        new = new_lines(reference_text, before["text"]) if reference_text else before["text"]
        record["result"] = {
            "url": page.url,
            "title": before["title"],
            "new_text": new[:3000],
            "signed_in": signed_in(before),
            "age_fields_again": False,
            "excerpt": re.sub(r"\s+", " ", new).strip()[:400],
        }
        return record
    record["filled"], form = await _fill(page, fields, born, today, email, password)
    submitted = await submit_form(page, form, ctx.page_timeout_ms)
    record["submit"] = submitted
    if submitted.get("error"):
        record["error"] = submitted["error"]
        return record
    after = await read_page(page)
    fields_after = await form_fields(page)
    new = new_lines(before["text"], after["text"])
    result = {
        "url": page.url,
        "title": after["title"],
        "new_text": new[:3000],
        "signed_in": signed_in(after),
        "age_fields_again": bool(age_fields(fields_after)),
        "excerpt": re.sub(r"\s+", " ", new).strip()[:400],
    }
    if not submitted.get("navigated") and result["age_fields_again"]:
        result["validation"] = await validation_messages(page, form)
    record["result"] = result
    shot = await ctx.screenshot(page, label)
    if shot:
        record["screenshot"] = shot
    return record


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    page = await ctx.page()
    signup_url = ctx.manifest.needed(ctx.manifest.page("signup"), "pages.signup")
    loaded = await goto(page, signup_url, ctx.page_timeout_ms)
    artifact: dict[str, Any] = {
        "applicable": True,
        "signup": {"url": signup_url, **{k: loaded.get(k) for k in ("final_url", "status", "error")}},
    }
    if loaded["error"] or (loaded["status"] or 0) >= 400:
        return artifact
    reference_text = (await read_page(page))["text"]
    # The question as it first appears, before anything is typed.
    artifact["initial_fields"] = [
        {
            k: f.get(k)
            for k in (
                "index",
                "tag",
                "type",
                "name",
                "label_text",
                "group",
                "value",
                "checked",
                "visible",
                "autocomplete",
                "placeholder",
                "selected_index",
                "options",
                "form",
                "required",
                "disabled",
                "readonly",
            )
        }
        for f in await form_fields(page)
        if f["visible"]
    ][:80]
    for f in artifact["initial_fields"]:
        if f.get("type") == "password":
            f["value"] = "(hidden)" if f.get("value") else ""
        if f.get("options") and len(f["options"]) > 200:
            index = f.get("selected_index")
            f["selected_option"] = f["options"][index] if index is not None and 0 <= index < len(f["options"]) else None
            f["options"] = f["options"][:200]
    token = secrets.token_hex(4)
    password = f"Vcsc-{secrets.token_urlsafe(9)}-9a!"
    emails = [f"vcsc-probe-{token}-a@example.com", f"vcsc-probe-{token}-b@example.com"]
    artifact["test_emails"] = emails
    artifact["under16"] = await _attempt(ctx, page, signup_url, CHILD_AGE_YEARS, emails[0], password, "under16")
    ctx.progress(1, 2)
    # Same page, same cookies: the same person trying again at once with an adult age.
    artifact["retry_adult"] = await _attempt(
        ctx, page, signup_url, ADULT_AGE_YEARS, emails[1], password, "retry-adult", reference_text
    )
    ctx.progress(2, 2)
    with contextlib.suppress(Exception):
        artifact["cookies_after"] = len(await ctx.browser_context.cookies())
    return artifact
