"""Administration pages: only admins; users created and changed through the API's rules with audit events;
organisations; the criteria versions, read-only."""

from __future__ import annotations

import sqlalchemy as sa

from api.core.models import AuditEvent, Organisation, User
from tests.web.conftest import text_of

NEW_USER = "/admin/users/new"


def events(world, action: str) -> list[AuditEvent]:
    with world.api.sessions() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_only_admins(world):
    for person in ("vendor_a", "reviewer"):
        browser = world.site.browser(person)
        for path in ("/admin/users", NEW_USER, "/admin/users/1", "/admin/organisations", "/admin/criteria"):
            response = browser.get(path)
            assert response.status_code == 403 and "Chỉ quản trị viên được vào trang này" in response.text, path
        created = browser.post(
            "/admin/users",
            {
                "name": "Kẻ lạ",
                "email": "la@example.vn",
                "password": "0123456789",
                "role": "admin",
                "organisation_id": str(world.club.id),
            },
            page="/dashboard",
        )
        assert created.status_code == 403
    with world.api.sessions() as session:
        assert session.scalar(sa.select(User).where(User.email == "la@example.vn")) is None


def test_create_a_user_with_errors_by_field_then_done(world):
    admin = world.site.browser("admin")
    listing = admin.get("/admin/users")
    assert listing.status_code == 200 and world.site.people["vendor_b"].email in listing.text
    bad = admin.post(
        "/admin/users",
        {
            "name": "Trần Thị Mới",
            "email": "khong-phai-email",
            "password": "ngan",
            "role": "reviewer",
            "organisation_id": str(world.org_a.id),
        },
        page=NEW_USER,
    )
    assert bad.status_code == 422
    assert "Hãy nhập một địa chỉ email" in bad.text and "Mật khẩu cần ít nhất 10 ký tự." in bad.text
    assert 'value="ngan"' not in bad.text and 'value="Trần Thị Mới"' in bad.text
    unfit = admin.post(
        "/admin/users",
        {
            "name": "Trần Thị Mới",
            "email": "moi@vcsc.example",
            "password": "mat-khau-dai-du",
            "role": "reviewer",
            "organisation_id": str(world.org_a.id),
        },
        page=NEW_USER,
    )
    assert unfit.status_code == 422
    assert "Vai trò 'reviewer' không hợp với tổ chức loại 'vendor'" in text_of(unfit.text), text_of(unfit.text)
    assert 'href="#user-role"' in unfit.text
    made = admin.post(
        "/admin/users",
        {
            "name": "Trần Thị Mới",
            "email": "Moi@VCSC.example",
            "password": "mat-khau-dai-du",
            "role": "reviewer",
            "organisation_id": str(world.club.id),
        },
        page=NEW_USER,
    )
    assert made.status_code == 303
    with world.api.sessions() as session:
        user = session.scalar(sa.select(User).where(User.email == "moi@vcsc.example"))
    assert made.headers["location"] == f"/admin/users/{user.id}?done=user_created"
    assert (user.role, user.organisation_id) == ("reviewer", world.club.id)
    assert [e.object_id for e in events(world, "user.created")] == [str(user.id)]
    taken = admin.post(
        "/admin/users",
        {
            "name": "Người khác",
            "email": "moi@vcsc.example",
            "password": "mat-khau-dai-du",
            "role": "vendor",
            "organisation_id": str(world.org_a.id),
        },
        page=NEW_USER,
    )
    assert taken.status_code == 409 and "Email đã được dùng" in taken.text


def test_change_role_and_deactivate_but_not_oneself(world):
    admin = world.site.browser("admin")
    reviewer_id = world.site.people["reviewer"].id
    page = f"/admin/users/{reviewer_id}"
    assert 'name="active" value="1" checked' in admin.get(page).text
    promoted = admin.post(page, {"name": "Người dùng", "role": "admin", "active": "1"}, page=page)
    assert promoted.status_code == 303
    assert [(e.before, e.after) for e in events(world, "user.role_changed")] == [
        ({"role": "reviewer"}, {"role": "admin"})
    ]
    locked = admin.post(page, {"name": "Người dùng", "role": "admin"}, page=page)  # the box unticked
    assert locked.status_code == 303
    with world.api.sessions() as session:
        assert session.get(User, reviewer_id).active is False
    assert events(world, "user.active_changed")
    # The locked-out reviewer's browser can no longer sign in.
    assert (
        world.site.browser()
        .post("/sign-in", {"email": world.site.people["reviewer"].email, "password": "mat-khau-thu-nghiem-123"})
        .status_code
        == 401
    )

    own = f"/admin/users/{world.site.people['admin'].id}"
    refused = admin.post(own, {"name": "Người dùng", "role": "admin"}, page=own)
    assert refused.status_code == 409
    assert "Không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản" in refused.text
    with world.api.sessions() as session:
        assert session.get(User, world.site.people["admin"].id).active is True


def test_organisations_list_and_create(world):
    admin = world.site.browser("admin")
    page = admin.get("/admin/organisations")
    assert page.status_code == 200 and "Công ty A" in page.text and "Câu lạc bộ" in page.text
    duplicate = admin.post("/admin/organisations", {"name": "Công ty A", "kind": "vendor"}, page="/admin/organisations")
    assert duplicate.status_code == 409 and "Tên đã được dùng" in duplicate.text
    bad = admin.post(
        "/admin/organisations",
        {"name": "Công ty C", "kind": "vendor", "website": "khong-phai-url"},
        page="/admin/organisations",
    )
    assert bad.status_code == 422 and "http:// hoặc https://" in bad.text
    made = admin.post(
        "/admin/organisations",
        {
            "name": "Công ty C",
            "kind": "vendor",
            "contact_email": "lien-he@c.example.vn",
            "website": "https://c.example.vn",
        },
        page="/admin/organisations",
    )
    assert made.status_code == 303
    with world.api.sessions() as session:
        org = session.scalar(sa.select(Organisation).where(Organisation.name == "Công ty C"))
        assert (org.kind, org.website) == ("vendor", "https://c.example.vn")
    assert [e.object_id for e in events(world, "organisation.created")] == [str(org.id)]


def test_criteria_versions_are_read_only(world):
    page = world.site.browser("admin").get("/admin/criteria")
    text = text_of(page.text)
    assert "Bản tự đánh giá mới và việc gia hạn dùng phiên bản hiện hành: vcsc-2025.1." in text
    assert "Chỉ để xem." in text and "criteria/digests.json" in text
    assert "vcsc-2024.1" in text and text.count("Khớp với tệp") == 2
    assert "<form" not in page.text.split("<main", 1)[1]
