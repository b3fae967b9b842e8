"""Gather: log in as the child (the manifest's login steps, a fresh session), open the settings
page, try to change the filter level and the daily time limit the way a child would — no
parent PIN — send the form, reload the page and read back what stuck. Anything that did
stick is put back afterwards, so the family's settings end as they were found."""
from __future__ import annotations

import re

from checker.probes.login import (LOGIN_FORM_WORDS, browser_lost, field_locator, form_fields, goto, new_lines, read_page,
                                  run_login, signed_in, submit_form)
from checker.probes.settings_locked.evaluate import FILTER_WORDS, TIME_WORDS
from checker.probes.signals import PARENT_GATE, fold

CHANGEABLE = ("select", "radio", "number", "range", "checkbox", "text")


def _kind(f: dict) -> str:
    return f["tag"] if f["tag"] in ("select", "textarea") else (f["type"] or "text")


def _label(f: dict) -> str:
    return fold(f"{f['name']} {f.get('label_text') or ''} {f.get('group') or ''}")


def _current(f: dict, fields: list[dict]):
    if _kind(f) == "radio":
        chosen = [g for g in fields if _kind(g) == "radio" and g["input_name"] == f["input_name"] and g["form"] == f["form"] and g["checked"]]
        return chosen[0]["name"] if chosen else None
    if _kind(f) == "checkbox":
        return f["checked"]
    return f["value"]


def _pick_controls(fields: list[dict]) -> list[dict]:
    """At most one filter control and one time-limit control: (setting, field)."""
    picked: list[dict] = []
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


def _new_value(f: dict, fields: list[dict]):
    kind = _kind(f)
    if kind == "select":
        options = [o for o in f.get("options") or [] if o.get("value") and not o.get("disabled") and o["value"] != f["value"]]
        return options[0]["value"] if options else None
    if kind == "radio":
        others = [g for g in fields if _kind(g) == "radio" and g["input_name"] == f["input_name"] and g["form"] == f["form"]
                  and not g["checked"] and g["visible"] and not g["disabled"]]
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


async def _set(page, f: dict, value, fields: list[dict]) -> None:
    kind = _kind(f)
    if kind == "select":
        await field_locator(page, f).select_option(value=value)
    elif kind == "radio":
        target = next(g for g in fields if _kind(g) == "radio" and g["input_name"] == f["input_name"] and g["form"] == f["form"]
                      and g["name"] == value)
        await field_locator(page, target).check()
    elif kind == "checkbox":
        await field_locator(page, f).set_checked(bool(value))
    else:
        await field_locator(page, f).fill(str(value))


def _find_again(f: dict, fields: list[dict]) -> dict | None:
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


async def _apply(ctx, page, plan: list[dict], fields: list[dict], values_key: str) -> dict:
    """Set each planned control to plan[values_key] and send the form they belong to."""
    for item in plan:
        try:
            await _set(page, item["field"], item[values_key], fields)
        except Exception as exc:
            if browser_lost(exc):
                raise
            item.setdefault("errors", []).append(str(exc).splitlines()[0][:160])
    form = plan[0]["field"]["form"]
    if form < 0:
        return {"how": "no_form", "error": None}  # settings saved as they change
    return await submit_form(page, form, ctx.page_timeout_ms)


async def gather(ctx) -> dict:
    page = await ctx.page()
    timeout = ctx.page_timeout_ms
    artifact: dict = {"applicable": True, "screenshots": []}
    artifact["login"] = await run_login(page, ctx.manifest, "child", timeout)
    if not artifact["login"]["ok"]:
        return artifact
    settings_url = ctx.manifest.page("settings")
    loaded = await goto(page, settings_url, timeout)
    info = await read_page(page)
    fields = await form_fields(page)
    bounced = (not signed_in(info) and any(f["type"] == "password" and f["visible"] for f in fields)
               and bool(LOGIN_FORM_WORDS.search(fold(info["title"] + " " + info["text"][:2000])))
               and not PARENT_GATE.search(fold(info["text"])))
    artifact["settings"] = {"url": settings_url, "final_url": loaded.get("final_url"), "status": loaded["status"],
                            "error": loaded["error"], "bounced_to_login": bounced,
                            "excerpt": re.sub(r"\s+", " ", info["text"]).strip()[:600]}
    if loaded["error"] or bounced:
        return artifact
    artifact["pin_field"] = any(PARENT_GATE.search(_label(f)) for f in fields if f["visible"])
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
    artifact["submit"] = await _apply(ctx, page, plan, fields, "to")
    after = await read_page(page)
    artifact["response"] = {"url": page.url, "excerpt": re.sub(r"\s+", " ", new_lines(before_text, after["text"])).strip()[:600]}
    shot = await ctx.screenshot(page, "after-child-change")
    if shot:
        artifact["screenshots"].append(shot)
    # Read back: the settings page afresh, as the same child.
    reloaded = await goto(page, settings_url, timeout)
    fields_after = await form_fields(page) if not reloaded["error"] else []
    stuck_any = False
    for item in plan:
        f = item["field"]
        again = _find_again(f, fields_after)
        now = _current(again, fields_after) if again else None
        stuck = None if again is None else (str(now) == str(item["to"]) and str(now) != str(item["from"]))
        stuck_any = stuck_any or bool(stuck)
        artifact["attempts"].append({"setting": item["setting"], "label": f["name"][:80], "kind": _kind(f),
                                     "from": item["from"], "to": item["to"], "after_reload": now, "stuck": stuck,
                                     "errors": item.get("errors", [])})
    ctx.progress(1, 2)
    if stuck_any:
        # Leave the family's settings as they were found.
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
                (g := _find_again(r["field"], final)) is not None and str(_current(g, final)) == str(r["back"]) for r in restore)
    ctx.progress(2, 2)
    return artifact
