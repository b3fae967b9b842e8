"""Gather: log in as the child (the manifest's login steps, a fresh session), open the settings
page, try to change the filter level and the daily time limit the way a child would — no
parent PIN — send the form, and note what the product answered (the HTTP status of the request
the change sent, the text shown after it); then read the values back after a reload and after a
fresh login in a new session. When the vendor gave the parent PIN and every change was refused,
the same change is tried once with the PIN (the form works, the refusal was the PIN's doing).
Anything the product accepted is put back afterwards, so the family's settings end as they were
found."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checker.probes.login import (
    LOGIN_FORM_WORDS,
    back_on_login_form,
    browser_lost,
    error_code,
    field_locator,
    form_fields,
    goto,
    logout_controls,
    new_lines,
    read_page,
    run_login,
    submit_form,
    visible_text,
)
from checker.probes.settings_locked.evaluate import FILTER_WORDS, TIME_WORDS, judge_attempt
from checker.probes.signals import PARENT_GATE, fold

if TYPE_CHECKING:
    from playwright.async_api import Page, Response

    from checker.probes.runner import ProbeContext

CHANGEABLE = ("select", "radio", "number", "range", "checkbox", "text")


def _kind(f: dict[str, Any]) -> str:
    return f["tag"] if f["tag"] in ("select", "textarea") else (f["type"] or "text")


def _label(f: dict[str, Any]) -> str:
    return fold(f"{f['name']} {f.get('label_text') or ''} {f.get('group') or ''}")


def _current(f: dict[str, Any], fields: list[dict[str, Any]]) -> Any:  # the control's value as the page shows it
    if _kind(f) == "radio":
        chosen = [
            g
            for g in fields
            if _kind(g) == "radio" and g["input_name"] == f["input_name"] and g["form"] == f["form"] and g["checked"]
        ]
        return chosen[0]["name"] if chosen else None
    if _kind(f) == "checkbox":
        return f["checked"]
    return f["value"]


def _pick_controls(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most one filter control and one time-limit control: (setting, field)."""
    picked: list[dict[str, Any]] = []
    for setting, words in (("filter_level", FILTER_WORDS), ("time_limit", TIME_WORDS)):
        for f in fields:
            if not f["visible"] or f["disabled"] or f["readonly"] or _kind(f) not in CHANGEABLE:
                continue
            label = _label(f)
            if PARENT_GATE.search(label) or f["type"] == "password":
                continue
            if not words.search(label) or any(p["field"]["index"] == f["index"] for p in picked):
                continue
            if setting == "filter_level" and _kind(f) in ("number", "range", "text") and TIME_WORDS.search(label):
                continue
            if _kind(f) == "text" and not re.fullmatch(r"\d+", (f["value"] or "").strip()):
                continue  # only a number typed in a text box is a setting we know how to change
            picked.append({"setting": setting, "field": f})
            break
    return picked


def _new_value(f: dict[str, Any], fields: list[dict[str, Any]]) -> Any:
    kind = _kind(f)
    if kind == "select":
        options = [
            o for o in f.get("options") or [] if o.get("value") and not o.get("disabled") and o["value"] != f["value"]
        ]
        return options[0]["value"] if options else None
    if kind == "radio":
        others = [
            g
            for g in fields
            if _kind(g) == "radio"
            and g["input_name"] == f["input_name"]
            and g["form"] == f["form"]
            and not g["checked"]
            and g["visible"]
            and not g["disabled"]
        ]
        return others[0]["name"] if others else None
    if kind == "checkbox":
        return not f["checked"]
    try:
        current = float(f["value"])
    except (TypeError, ValueError):
        return None
    step = 15.0
    try:
        if f.get("step") and f["step"] != "any":
            step = max(float(f["step"]), 1.0) * max(1, round(15 / max(float(f["step"]), 1.0)))
    except ValueError:
        pass
    lo = float(f["min"]) if f.get("min") not in (None, "") else None
    hi = float(f["max"]) if f.get("max") not in (None, "") else None
    for candidate in (current + step, current - step):
        if (lo is None or candidate >= lo) and (hi is None or candidate <= hi):
            return str(int(candidate)) if candidate.is_integer() else str(candidate)
    return None


async def _set(page: Page, f: dict[str, Any], value: Any, fields: list[dict[str, Any]]) -> None:
    kind = _kind(f)
    if kind == "select":
        await field_locator(page, f).select_option(value=value)
    elif kind == "radio":
        target = next(
            g
            for g in fields
            if _kind(g) == "radio"
            and g["input_name"] == f["input_name"]
            and g["form"] == f["form"]
            and g["name"] == value
        )
        await field_locator(page, target).check()
    elif kind == "checkbox":
        await field_locator(page, f).set_checked(bool(value))
    else:
        await field_locator(page, f).fill(str(value))


def _find_again(f: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The same control on a reloaded page: same kind, same label (and for radios, same group)."""
    for g in fields:
        if _kind(g) != _kind(f) or not g["visible"]:
            continue
        if _kind(f) == "radio":
            if g["input_name"] == f["input_name"]:
                return g
        elif g["name"] == f["name"] and g.get("label_text") == f.get("label_text"):
            return g
    return None


async def _apply(
    ctx: ProbeContext, page: Page, plan: list[dict[str, Any]], fields: list[dict[str, Any]], values_key: str
) -> dict[str, Any]:
    """Set each planned control to plan[values_key] and send the form they belong to."""
    for item in plan:
        try:
            await _set(page, item["field"], item[values_key], fields)
        except Exception as exc:
            if browser_lost(exc):
                raise
            item.setdefault("errors", []).append(error_code(str(exc), type(exc).__name__)[:160])
    form = plan[0]["field"]["form"]
    if form < 0:
        return {"how": "no_form", "error": None}  # settings saved as they change
    return await submit_form(page, form, ctx.page_timeout_ms)


def _answer_recorder(page: Page) -> tuple[list[dict[str, Any]], Callable[[], None]]:
    """Collect the answers to the requests a change sends (form posts, fetch/XHR writes, the page
    that follows): method, address, HTTP status. Returns (answers, stop)."""
    answers: list[dict[str, Any]] = []

    def on_response(response: Response) -> None:
        with contextlib.suppress(Exception):  # a response of a page going away: nothing to note
            request = response.request
            if request.method != "GET" or request.resource_type == "document":
                answers.append(
                    {
                        "method": request.method,
                        "url": response.url[:500],
                        "status": response.status,
                        "resource_type": request.resource_type,
                    }
                )

    page.on("response", on_response)
    return answers, lambda: page.remove_listener("response", on_response)


def _change_status(answers: list[dict[str, Any]]) -> int | None:
    """The HTTP status the product gave to the change: its write request (POST/PUT/PATCH...), else the page."""
    writes = [a for a in answers if a["method"] != "GET"]
    chosen = writes[0] if writes else (answers[-1] if answers else None)
    return chosen["status"] if chosen else None


async def _read_back(
    page: Page, settings_url: str, plan: list[dict[str, Any]], timeout: int
) -> tuple[list[Any], list[dict[str, Any]]]:
    """(values now, fields) of the planned controls on the settings page loaded afresh."""
    loaded = await goto(page, settings_url, timeout)
    fields = await form_fields(page) if not loaded["error"] else []
    values = []
    for item in plan:
        again = _find_again(item["field"], fields)
        values.append((again is not None, _current(again, fields) if again else None))
    return values, fields


def _stuck(found: bool, now: Any, item: dict[str, Any]) -> bool | None:
    return None if not found else (str(now) == str(item["to"]) and str(now) != str(item["from"]))


def _pin_box(fields: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next(
        (
            f
            for f in fields
            if f["visible"]
            and not f["disabled"]
            and not f["readonly"]
            and (f["type"] == "password" or PARENT_GATE.search(_label(f)))
        ),
        None,
    )


async def _pin_control(
    ctx: ProbeContext,
    page: Page,
    settings_url: str,
    plan: list[dict[str, Any]],
    fields: list[dict[str, Any]],
    pin: str,
    timeout: int,
) -> dict[str, Any]:
    """The same change again with the parent PIN the vendor gave: when it then takes effect, the form
    works and the child's refusal was the missing PIN's doing. Put back at once, with the PIN."""
    box = _pin_box(fields)
    redo = [{**item, "field": again} for item in plan if (again := _find_again(item["field"], fields)) is not None]
    if box is None or len(redo) != len(plan) or box["form"] != redo[0]["field"]["form"]:
        return {"tried": False, "why": "no_pin_field" if box is None else "controls_not_found_again"}
    before_text = await visible_text(page)
    await field_locator(page, box).fill(pin)
    answers, stop_recording = _answer_recorder(page)
    try:
        await _apply(ctx, page, redo, fields, "to")
        await asyncio.sleep(0.5)
        after_text = await visible_text(page)
    finally:
        stop_recording()
    record: dict[str, Any] = {
        "tried": True,
        "answer": {
            "status": _change_status(answers),
            "excerpt": re.sub(r"\s+", " ", new_lines(before_text, after_text)).strip()[:300],
        },
    }
    values, fields_now = await _read_back(page, settings_url, redo, timeout)
    record["took_effect"] = [_stuck(found, now, item) for item, (found, now) in zip(redo, values, strict=True)]
    if any(record["took_effect"]):
        restore = [
            {"setting": i["setting"], "field": g, "back": i["from"]}
            for i in redo
            if (g := _find_again(i["field"], fields_now)) is not None
        ]
        box_now = _pin_box(fields_now)
        if restore and box_now is not None:
            await field_locator(page, box_now).fill(pin)
            await _apply(ctx, page, restore, fields_now, "back")
            values, _ = await _read_back(page, settings_url, [{**i, "to": i["from"]} for i in redo], timeout)
            record["restored"] = all(
                found and str(now) == str(i["from"]) for i, (found, now) in zip(redo, values, strict=True)
            )
        else:
            record["restored"] = False
    return record


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    page = await ctx.page()
    timeout = ctx.page_timeout_ms
    artifact: dict[str, Any] = {"applicable": True, "screenshots": []}
    artifact["login"] = await run_login(page, ctx.manifest, "child", timeout)
    if not artifact["login"]["ok"]:
        return artifact
    settings_url = ctx.manifest.needed(ctx.manifest.page("settings"), "pages.settings")
    loaded = await goto(page, settings_url, timeout)
    info = await read_page(page)
    fields = await form_fields(page)
    login_form_again = await back_on_login_form(page, artifact["login"])
    # A login form that is not ours to recognise by its fields: a password box, login words, no
    # log-out control anywhere and no word of a parent PIN (a PIN box is what a settings page shows).
    looks_like_login = (
        any(f["type"] == "password" and f["visible"] for f in fields)
        and bool(LOGIN_FORM_WORDS.search(fold(info["title"] + " " + info["text"][:2000])))
        and not PARENT_GATE.search(fold(info["text"]))
        and not await logout_controls(page)
    )
    bounced = login_form_again or looks_like_login
    artifact["settings"] = {
        "url": settings_url,
        "final_url": loaded.get("final_url"),
        "status": loaded["status"],
        "error": loaded["error"],
        "bounced_to_login": bounced,
        "excerpt": re.sub(r"\s+", " ", info["text"]).strip()[:600],
    }
    if loaded["error"] or bounced:
        return artifact
    artifact["pin_field"] = any(
        PARENT_GATE.search(_label(f)) or f["type"] == "password" for f in fields if f["visible"]
    )
    plan = []
    for item in _pick_controls(fields):
        f = item["field"]
        new = _new_value(f, fields)
        if new is None:
            continue
        plan.append({**item, "from": _current(f, fields), "to": new})
    artifact["attempts"] = []
    if not plan:
        shot = await ctx.screenshot(page, "settings-as-child")
        if shot:
            artifact["screenshots"].append(shot)
        return artifact
    # One form at a time: controls of another form are tried with that form.
    plan = [p for p in plan if p["field"]["form"] == plan[0]["field"]["form"]]
    before_text = info["text"]
    answers, stop_recording = _answer_recorder(page)
    try:
        artifact["submit"] = await _apply(ctx, page, plan, fields, "to")
        await asyncio.sleep(0.5)  # an answer written by a script after its request
        after = await read_page(page)
    finally:
        stop_recording()
    # What the product answered: the status of the request the change sent, and the text it showed.
    artifact["response"] = {
        "url": page.url,
        "status": _change_status(answers),
        "requests": answers[:20],
        "excerpt": re.sub(r"\s+", " ", new_lines(before_text, after["text"])).strip()[:600],
    }
    shot = await ctx.screenshot(page, "after-child-change")
    if shot:
        artifact["screenshots"].append(shot)
    ctx.progress(1, 3)
    # Read back: the settings page afresh in the same session, then in a new session after a fresh login.
    after_reload, fields_after = await _read_back(page, settings_url, plan, timeout)
    fresh: list[Any] = [(False, None)] * len(plan)
    fresh_context = await ctx.new_context()
    try:
        fresh_page = await fresh_context.new_page()
        artifact["fresh_login"] = await run_login(fresh_page, ctx.manifest, "child", timeout)
        if artifact["fresh_login"]["ok"]:
            fresh, _ = await _read_back(fresh_page, settings_url, plan, timeout)
    finally:
        with contextlib.suppress(Exception):
            await fresh_context.close()
    ctx.progress(2, 3)
    for item, (found, now), (found_fresh, now_fresh) in zip(plan, after_reload, fresh, strict=True):
        f = item["field"]
        artifact["attempts"].append(
            {
                "setting": item["setting"],
                "label": f["name"][:80],
                "kind": _kind(f),
                "from": item["from"],
                "to": item["to"],
                "after_reload": now,
                "stuck": _stuck(found, now, item),
                "after_fresh_login": now_fresh,
                "stuck_after_fresh_login": _stuck(found_fresh, now_fresh, item),
                "errors": item.get("errors", []),
            }
        )
    verdicts = [judge_attempt(a, artifact["response"])[0] for a in artifact["attempts"]]
    pin = ctx.manifest.parental_pin()
    if pin and verdicts and all(v == "refused" for v in verdicts):
        try:
            artifact["pin_control"] = await _pin_control(ctx, page, settings_url, plan, fields_after, pin, timeout)
        except Exception as exc:  # the control only adds confidence: its failure is noted, not fatal
            if browser_lost(exc):
                raise
            artifact["pin_control"] = {"tried": False, "why": error_code(str(exc), type(exc).__name__)[:160]}
    if "accepted" in verdicts:
        # Leave the family's settings as they were found (also a change the server took but does not show yet).
        restore = []
        for item in plan:
            again = _find_again(item["field"], fields_after)
            if again is not None:
                restore.append({"setting": item["setting"], "field": again, "back": item["from"]})
        if restore:
            result = await _apply(ctx, page, restore, fields_after, "back")
            await goto(page, settings_url, timeout)
            final = await form_fields(page)
            artifact["restored"] = result.get("error") is None and all(
                (g := _find_again(r["field"], final)) is not None and str(_current(g, final)) == str(r["back"])
                for r in restore
            )
    ctx.progress(3, 3)
    return artifact
