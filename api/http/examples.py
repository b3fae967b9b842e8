"""Examples for the OpenAPI document: one realistic body per request and response model of api.http.schemas.

Plain data (no imports from the schemas, which use it); tests/api/test_openapi.py validates every example against
its model's JSON Schema, and schemathesis sends the request examples in tests/api/test_fuzz.py.
"""

from __future__ import annotations

from typing import Any

AT = "2025-03-14T09:30:00Z"
LATER = "2025-03-20T15:05:12Z"
EXPIRES = "2026-03-20T15:05:12Z"
VERSION = "vcsc-2024.1"
CERT_ID = "VCSC-2025-000042"


def bi(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


# --- requests ------------------------------------------------------------------------------

LOGIN_IN = {"email": "lan.nguyen@safekid.example.vn", "password": "Mây-trắng-bay-qua-đồi-2025"}
REGISTER_IN = {
    "organisation_name": "Công ty TNHH An Toàn Số SafeKid",
    "email": "lan.nguyen@safekid.example.vn",
    "name": "Nguyễn Thị Lan",
    "password": "Mây-trắng-bay-qua-đồi-2025",
    "contact_email": "lien-he@safekid.example.vn",
    "website": "https://safekid.example.vn",
}
USER_CREATE = {
    "email": "minh.tran@safekid.example.vn",
    "name": "Trần Văn Minh",
    "password": "Sông-Hồng-chảy-về-biển-7",
    "role": "vendor",
}
USER_UPDATE = {
    "name": "Nguyễn Thị Lan Anh",
    "password": "Hoa-sen-nở-giữa-hồ-2026",
    "current_password": "Mây-trắng-bay-qua-đồi-2025",
    "revoke_api_tokens": True,
}
VERIFY_EMAIL_IN = {"token": "q3JtM0x7Vd9eWkR2nA5sLp8yT1bC6uF4hG0iZoXwQvE"}
PASSWORD_RESET_IN = {"email": "lan.nguyen@safekid.example.vn"}
PASSWORD_RESET_CONFIRM_IN = {
    "token": "q3JtM0x7Vd9eWkR2nA5sLp8yT1bC6uF4hG0iZoXwQvE",
    "password": "Hoa-sen-nở-giữa-hồ-2026",
}
ACCEPTED_OUT = {
    "detail": "Nếu địa chỉ dùng được, một thư đã được gửi tới đó; hãy mở liên kết trong thư / "
    "If the address can be used, an e-mail has been sent to it; open the link inside"
}
API_TOKEN_CREATE = {"name": "Máy chủ CI kiểm thử", "expires_in_days": 90}
ORGANISATION_UPDATE = {"contact_email": "ho-tro@safekid.example.vn", "website": "https://safekid.example.vn/gioi-thieu"}
PRODUCT_IN = {
    "name": "SafeKid — Bảo vệ trẻ em",
    "product_type": "filtering_app",
    "url": "https://safekid.example.vn",
    "platforms": ["android", "ios"],
    "description": "Ứng dụng lọc web và giới hạn thời gian cho trẻ 6–12 tuổi.",
}
PRODUCT_UPDATE = {
    "name": "SafeKid Gia Đình",
    "platforms": ["android", "ios", "windows"],
    "description": "Lọc web, giới hạn thời gian và báo cáo hằng tuần cho cha mẹ.",
}
ANSWERS = {
    "CF-01": {
        "value": {"block_rate": 0.991, "corpus_size": 1200},
        "evidence": [{"kind": "url", "url": "https://safekid.example.vn/bao-cao/kiem-thu-loc-2025.pdf"}],
    },
    "CD-02": {
        "value": {
            "linked_on_every_data_page": True,
            "policy_url": "https://safekid.example.vn/chinh-sach-quyen-rieng-tu",
        },
        "evidence": [{"kind": "url", "url": "https://safekid.example.vn/chinh-sach-quyen-rieng-tu"}],
    },
}
SUBMISSION_CREATE = {"criteria_version": VERSION}
ANSWERS_REPLACE = {"criteria_version": VERSION, "answers": ANSWERS}
ANSWERS_PATCH = {"answers": {"CF-01": ANSWERS["CF-01"], "CD-07": None}}
MANIFEST = {
    "name": "Trình duyệt KidZone",
    "product_type": "kid_browser",
    "start_url": "https://kidzone.example.vn/",
    "filtering": {"mode": "none"},
    "accounts": {
        "parent": {"username": "phuhuynh.thu@kidzone.example.vn", "password": "mat-khau-thu-nghiem"},
        "child": {"username": "be.an", "password": "mat-khau-cua-be"},
    },
    "pages": {"login": "https://kidzone.example.vn/dang-nhap", "settings": "https://kidzone.example.vn/cai-dat"},
}
PROBE_RUN_CREATE = {"manifest": MANIFEST, "only": ["transport", "privacy_policy"]}
REVIEW_PROBE_RUN_IN = {"only": ["content_filtering", "filter_bypass"]}
CRITERION_DECISION_IN = {
    "decision": "override",
    "outcome": "failed",
    "comment": "Báo cáo kiểm thử dùng bộ thử cũ (2023); kết quả đo tự động chỉ chặn 94%.",
}
REVIEW_DECISION_IN = {
    "decision": "request_changes",
    "comment": "Cần bổ sung bằng chứng cho hai tiêu chí dưới đây.",
    "criteria_comments": {
        "CF-01": "Hãy đính kèm báo cáo kiểm thử với bộ thử năm 2025.",
        "CD-02": "Trang đăng ký chưa có liên kết tới chính sách quyền riêng tư.",
    },
}
WITHDRAW_IN = {"reason": "Chúng tôi sẽ nộp lại sau khi phát hành phiên bản 3.2."}
COMMENT_IN = {"body": "Đã cập nhật báo cáo kiểm thử với bộ thử năm 2025, xin xem lại.", "criterion_id": "CF-01"}
CERTIFICATE_STATUS_IN = {"reason": "Giám sát phát hiện bộ lọc bị vô hiệu hoá trên Android 15; chờ bản sửa."}
CLEAR_FLAG_IN = {"comment": "Đã kiểm tra lại: trang chủ đổi giao diện, bộ lọc vẫn chặn 99% trang người lớn."}
VERIFY_IN = {"certificate_id": CERT_ID}
VERIFY_IN_JWS = {
    "credential": "eyJhbGciOiJFZERTQSIsImtpZCI6InZjc2MtMjAyNSIsInR5cCI6InZjK2p3dCJ9"
    ".eyJpc3MiOiJodHRwczovL3ZjcTc2Mudm4ifQ.c2lnbmF0dXJlLWV4YW1wbGU"
}

# --- responses -----------------------------------------------------------------------------

TOKEN_OUT = {
    "access_token": "vcsc_8f3kQ2mZr7YtB1xWc9LpDs4hNvE6uJaG",
    "token_type": "bearer",
    "expires_at": "2025-03-14T21:30:00Z",
}
USER_OUT = {
    "id": 7,
    "email": "lan.nguyen@safekid.example.vn",
    "name": "Nguyễn Thị Lan",
    "role": "vendor",
    "active": True,
    "organisation_id": 3,
    "organisation_name": "Công ty TNHH An Toàn Số SafeKid",
    "created_at": AT,
    "updated_at": AT,
}
API_TOKEN_OUT = {
    "id": 12,
    "name": "Máy chủ CI kiểm thử",
    "created_at": AT,
    "expires_at": "2025-06-12T09:30:00Z",
    "last_used_at": "2025-03-20T08:15:00Z",
}
API_TOKEN_CREATED = API_TOKEN_OUT | {"token": "vcsc_Yq0p4Wl9sJd2KxT7fRb3NcM8vZaE1uHg"}
ORGANISATION_OUT = {
    "id": 3,
    "name": "Công ty TNHH An Toàn Số SafeKid",
    "kind": "vendor",
    "contact_email": "lien-he@safekid.example.vn",
    "website": "https://safekid.example.vn",
    "created_at": AT,
    "updated_at": AT,
}
PRODUCT_OUT = {
    "id": 5,
    "organisation_id": 3,
    "organisation_name": "Công ty TNHH An Toàn Số SafeKid",
    "name": "SafeKid — Bảo vệ trẻ em",
    "product_type": "filtering_app",
    "url": "https://safekid.example.vn",
    "platforms": ["android", "ios"],
    "description": "Ứng dụng lọc web và giới hạn thời gian cho trẻ 6–12 tuổi.",
    "created_at": AT,
    "updated_at": AT,
}
LEVEL_BASIC = {"id": "basic", "title": bi("Cơ bản", "Basic")}
LEVEL_ADVANCED = {"id": "advanced", "title": bi("Nâng cao", "Advanced")}
CF01_TITLE = bi("Chặn nội dung người lớn", "Adult content blocked")
EVALUATION_OUT = {
    "criteria_version": VERSION,
    "product_type": "filtering_app",
    "level": LEVEL_BASIC,
    "next_level": LEVEL_ADVANCED,
    "blockers": ["PC-03"],
    "counts": {"passed": 41, "failed": 1, "inapplicable": 6, "cantTell": 0, "untested": 0},
    "results": [
        {
            "criterion_id": "CF-01",
            "group": "features",
            "obligation": "MUST",
            "outcome": "passed",
            "reason": bi(
                "Chặn 99,1% trên 1200 trang (cần ≥ 98%, ≥ 500 trang)",
                "Blocked 99.1% of 1200 pages (needs ≥ 98%, ≥ 500 pages)",
            ),
            "title": CF01_TITLE,
        }
    ],
    "probe_run_id": 9,
    "probe_findings": {"CF-01": ["passed"]},
}
SUBMISSION_SUMMARY = {
    "id": 11,
    "product_id": 5,
    "revision": 2,
    "criteria_version": VERSION,
    "status": "submitted",
    "level": "basic",
    "submitted_at": LATER,
    "created_at": AT,
    "updated_at": LATER,
}
SUBMISSION_OUT = SUBMISSION_SUMMARY | {
    "created_by_id": 7,
    "previous_id": 8,
    "renews_certificate_id": None,
    "answers": ANSWERS,
    "evaluation": EVALUATION_OUT | {"probe_run_id": None, "probe_findings": None},
}
VERDICT_OUT = {
    "format": "vcsc-verdict/1",
    "criteria_version": VERSION,
    "product_type": "filtering_app",
    "criteria": [
        {
            "criterion_id": "CF-01",
            "group": "features",
            "obligation": "MUST",
            "title": CF01_TITLE,
            "claimed": "passed",
            "claim_reason": bi("Chặn 99,1% trên 1200 trang", "Blocked 99.1% of 1200 pages"),
            "measured": "failed",
            "measured_by": ["content_filtering"],
            "combined": "failed",
            "rule": "probe_failed",
            "decided": "failed",
            "decided_by": "combined",
            "decision": None,
            "discrepancy": "failed",
            "applies": True,
        }
    ],
    "discrepancies": ["CF-01"],
    "level": None,
    "next_level": LEVEL_BASIC,
    "blockers": ["CF-01"],
    "claimed_level": LEVEL_BASIC,
    "counts": {"passed": 40, "failed": 1, "inapplicable": 6},
    "claim_counts": {"passed": 41, "inapplicable": 6},
    "progress": [{"level": LEVEL_BASIC, "satisfied": 29, "required": 30}],
    "digest": "sha256:5d1f0c3e9a7b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d",
}
PROGRESS = {"probe": "content_filtering", "done": 180, "total": 400, "probes_done": 3, "probes_total": 11}
PROBE_RUN_SUMMARY = {
    "id": 9,
    "submission_id": 11,
    "product_id": 5,
    "requested_by_id": 7,
    "status": "running",
    "criteria_version": VERSION,
    "only": None,
    "progress": PROGRESS,
    "error": None,
    "attempts": 1,
    "created_at": AT,
    "started_at": "2025-03-14T09:30:04Z",
    "finished_at": None,
    "heartbeat_at": "2025-03-14T09:41:50Z",
}
PROBE_RUN_OUT = PROBE_RUN_SUMMARY | {
    "manifest": MANIFEST
    | {
        "accounts": {
            "parent": {"username": "phuhuynh.thu@kidzone.example.vn", "password": "********"},
            "child": {"username": "be.an", "password": "********"},
        }
    }
}
FINDING = {
    "probe_id": "transport",
    "criterion_id": "PC-05",
    "outcome": "passed",
    "measurements": {"https_only": True, "hsts_max_age": 31536000},
    "threshold": {"https_only": True, "hsts_max_age": {"minimum": 15552000}},
    "explanation": bi("Mọi trang dùng HTTPS, HSTS một năm", "Every page uses HTTPS, HSTS for a year"),
    "confidence": 0.95,
    "evidence": {"screenshot": "transport-start.png"},
    "failures": [],
}
PROBE_RUN_FINDINGS_OUT = {
    "run_id": 9,
    "status": "done",
    "criteria_version": VERSION,
    "product_type": "kid_browser",
    "summary": {"PC-05": ["passed"]},
    "probes": [
        {
            "probe_id": "transport",
            "measurement": {"https_only": True, "hsts_max_age": 31536000},
            "findings": [FINDING],
            "created_at": LATER,
            "evaluated_at": LATER,
        }
    ],
}
CRITERIA_SUMMARY_OUT = {
    "version": VERSION,
    "title": bi(
        "Bộ tiêu chí VCSC 2024.1 — theo TCCS 03:2024/VNISA", "VCSC criteria set 2024.1 — after TCCS 03:2024/VNISA"
    ),
    "status": "published",
    "released": "2024-06-24",
    "effective_from": "2024-07-01",
    "supersedes": None,
    "criteria_count": 60,
    "retired_count": 0,
    "digest": "33e455f53727d80a164ca8950329b6df0e510c08aa78b59eb2228b6671c0d53e",
}
CRITERION: dict[str, Any] = {
    "id": "CF-01",
    "status": "active",
    "title": CF01_TITLE,
    "group": "features",
    "obligation": "MUST",
    "applies_to": ["filtering_app", "dns_proxy_filter", "kid_browser"],
    "question": {
        "text": bi(
            "Tỷ lệ trang người lớn bị chặn trong lần kiểm thử gần nhất của bạn (0–1) là bao nhiêu?",
            "What share of adult pages (0–1) did the product block in your most recent test?",
        ),
        "answer_schema": {
            "type": "object",
            "required": ["block_rate", "corpus_size"],
            "properties": {
                "block_rate": {"type": "number", "minimum": 0, "maximum": 1},
                "corpus_size": {"type": "integer", "minimum": 1},
            },
        },
    },
    "probes": [{"id": "content_filtering", "threshold": {"properties": {"block_rate_adult": {"minimum": 0.98}}}}],
}
CRITERIA_SET_OUT = CRITERIA_SUMMARY_OUT | {
    "meta": {
        "basis": "TCCS 03:2024/VNISA",
        "levels": [LEVEL_BASIC | {"requires": ["MUST"]}, LEVEL_ADVANCED | {"requires": ["MUST", "SHOULD"]}],
    },
    "criteria": [CRITERION],
}
CRITERIA_DIFF_OUT = {
    "from": "vcsc-2024.1",
    "to": "vcsc-2025.1",
    "levels_changed": False,
    "changes": {
        "added": [
            {
                "id": "AA-05",
                "title": bi(
                    "Tài khoản của trẻ dưới 16 tuổi do cha mẹ đăng ký", "Under-16 accounts registered by a parent"
                ),
                "obligation": "MUST",
                "group": "compliance",
            }
        ],
        "removed": [],
        "retired": [
            {
                "id": "AA-02",
                "title": bi(
                    "Trẻ dưới 16 tuổi được chuyển sang luồng có cha mẹ", "Under-16 sign-up routed to a parent flow"
                ),
                "reason": bi(
                    "Theo Nghị định 147/2024/NĐ-CP, tài khoản của trẻ dưới 16 tuổi phải do cha mẹ đăng ký.",
                    "Under Decree 147/2024/ND-CP, a parent registers the accounts of children under 16.",
                ),
            }
        ],
        "rule_changed": [
            {
                "id": "CF-01",
                "field": "question.pass_rule",
                "before": {"properties": {"block_rate": {"minimum": 0.98}, "corpus_size": {"minimum": 500}}},
                "after": {"properties": {"block_rate": {"minimum": 0.95}, "corpus_size": {"minimum": 500}}},
            }
        ],
        "obligation_changed": [{"id": "AA-03", "before": "SHOULD", "after": "MUST"}],
    },
}
ANSWERS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "CF-01": {
            "type": "object",
            "required": ["value"],
            "properties": {"value": CRITERION["question"]["answer_schema"]},
        }
    },
}
PUBLIC_CERTIFICATE = {
    "id": CERT_ID,
    "level": "basic",
    "criteria_version": VERSION,
    "status": "valid",
    "issued_at": LATER,
    "valid_until": EXPIRES,
    "note": None,
}
PUBLIC_PRODUCT = {
    "id": 5,
    "name": "SafeKid — Bảo vệ trẻ em",
    "vendor": "Công ty TNHH An Toàn Số SafeKid",
    "product_type": "filtering_app",
    "url": "https://safekid.example.vn",
    "platforms": ["android", "ios"],
}
PUBLIC_LISTING = PUBLIC_PRODUCT | {"certificate": PUBLIC_CERTIFICATE}
PUBLIC_PAGE = {"items": [PUBLIC_LISTING], "total": 1, "page": 1, "per_page": 20, "suggestion": None}
CERTIFICATE_LOOKUP = PUBLIC_CERTIFICATE | {"product": PUBLIC_PRODUCT}
VERIFY_OUT: dict[str, Any] = {
    "ok": True,
    "signature_checked": False,
    "signature_valid": None,
    "status": "valid",
    "errors": [],
    "certificate": {
        "id": CERT_ID,
        "status": "valid",
        "level": "basic",
        "level_title": LEVEL_BASIC["title"],
        "criteria_version": VERSION,
        "issued_at": LATER,
        "valid_until": EXPIRES,
        "status_reason": None,
        "product": {
            "id": 5,
            "name": "SafeKid — Bảo vệ trẻ em",
            "vendor": "Công ty TNHH An Toàn Số SafeKid",
            "product_type": "filtering_app",
            "url": "https://safekid.example.vn",
        },
    },
}
AUDIT_EVENT_OUT = {
    "id": 318,
    "at": LATER,
    "actor_user_id": 7,
    "actor_label": "lan.nguyen@safekid.example.vn",
    "action": "submission.draft_created",
    "object_type": "submission",
    "object_id": "11",
    "organisation_id": 3,
    "before": None,
    "after": {"revision": 2, "criteria_version": VERSION},
    "prev_hash": "9b2e4c6a8d0f1e3a5c7b9d1f3e5a7c9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a",
    "hash": "0c4e8a2f6b1d5c9e3a7f1b5d9c3e7a1f5b9d3c7e1a5f9b3d7c1e5a9f3b7d1c5e",
    "request_id": "4f9c2b7e1a3d4c5b8e6f0a1b2c3d4e5f",
}
AUDIT_HEAD_OUT = {
    "event_id": 318,
    "event_hash": AUDIT_EVENT_OUT["hash"],
    "event_at": LATER,
    "signed_at": "2025-03-20T15:10:00Z",
    "kid": "audit-2025-01",
    "jws": "eyJhbGciOiJFZERTQSIsImtpZCI6ImF1ZGl0LTIwMjUtMDEifQ.eyJldmVudF9pZCI6MzE4fQ.c2lnbmF0dXJl",
    "public_jwk": {
        "kty": "OKP",
        "crv": "Ed25519",
        "kid": "audit-2025-01",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    },
}
REVIEW_QUEUE_PAGE = {
    "items": [
        {
            "id": 11,
            "product_id": 5,
            "product_name": "SafeKid — Bảo vệ trẻ em",
            "vendor": "Công ty TNHH An Toàn Số SafeKid",
            "product_type": "filtering_app",
            "revision": 2,
            "criteria_version": VERSION,
            "status": "submitted",
            "level": "basic",
            "submitted_at": LATER,
            "reviewer_id": None,
            "previous_id": 8,
            "renews_certificate_id": None,
            "assignee_id": 4,
            "assignee_name": "Phạm Quốc Huy",
            "assigned_at": "2025-03-21T08:00:00Z",
            "waiting_seconds": 183600,
        }
    ],
    "total": 1,
    "page": 1,
    "per_page": 20,
}
ASSIGNMENT_IN = {"assignee_id": 4, "expected_assignee_id": None}
ACCEPT_AGREEING_IN = {"criteria": ["DOC-01", "DOC-02", "PC-01"]}
CRITERION_DECISION_OUT = {
    "criterion_id": "CF-01",
    "decision": "override",
    "outcome": "failed",
    "comment": CRITERION_DECISION_IN["comment"],
    "reviewer": "Phạm Quốc Huy",
    "updated_at": "2025-03-21T08:15:00+00:00",
}
COMMENT_OUT = {
    "id": 27,
    "submission_id": 11,
    "author_name": "Nguyễn Thị Lan",
    "author_role": "vendor",
    "kind": "response",
    "criterion_id": "CF-01",
    "body": COMMENT_IN["body"],
    "created_at": LATER,
}
REVIEW_OUT = {
    "submission_id": 11,
    "revision": 2,
    "status": "in_review",
    "status_title": bi("Đang thẩm định", "In review"),
    "previous_id": 8,
    "renews_certificate_id": None,
    "allowed_actions": [
        {"action": "approve", "to": "approved"},
        {"action": "reject", "to": "rejected"},
        {"action": "request_changes", "to": "changes_requested"},
    ],
    "reviewer_id": 4,
    "review_started_at": "2025-03-21T08:00:00Z",
    "decided_at": None,
    "assignee_id": 4,
    "assigned_at": "2025-03-21T08:00:00Z",
    "approvals": 0,
    "approvals_required": 2,
    "approved_by": [],
    "decisions": [CRITERION_DECISION_OUT],
    "comments": [COMMENT_OUT],
    "certificate_id": None,
}
CERTIFICATE_OUT = {
    "id": CERT_ID,
    "product_id": 5,
    "product_name": "SafeKid — Bảo vệ trẻ em",
    "vendor": "Công ty TNHH An Toàn Số SafeKid",
    "submission_id": 11,
    "criteria_version": VERSION,
    "level": "basic",
    "level_title": LEVEL_BASIC["title"],
    "status": "valid",
    "status_reason": None,
    "status_changed_at": None,
    "issued_at": LATER,
    "valid_until": EXPIRES,
    "renews_id": None,
    "report_digest": "e3b7a1c5d9f2468ace0b1d3f5a7c9e1b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a1c",
    "flagged_at": None,
    "flag_reason": None,
    "last_monitored_at": "2025-04-01T02:00:00Z",
    "badge_url": f"https://vcsc.vn/badge/{CERT_ID}.svg",
    "allowed_actions": [{"action": "suspend", "to": "suspended"}, {"action": "revoke", "to": "revoked"}],
    "note": None,
}
CERTIFICATE_PAGE = {"items": [CERTIFICATE_OUT], "total": 1, "page": 1, "per_page": 20}
NOTIFICATION_OUT = {
    "id": 31,
    "kind": "certificate.flagged",
    "object_type": "certificate",
    "object_id": CERT_ID,
    "message": bi(
        f"Chứng nhận {CERT_ID} (SafeKid — Bảo vệ trẻ em): kiểm tra định kỳ không đạt "
        "tiêu chí bắt buộc CF-01. Cần người thẩm định xem xét.",
        f"Certificate {CERT_ID} (SafeKid — Bảo vệ trẻ em): the scheduled re-probe failed "
        "MUST criteria CF-01. A reviewer needs to look.",
    ),
    "created_at": "2025-04-01T02:05:00Z",
    "read_at": None,
}

# Responses without a model (dict[str, Any]), by operation id: api.http.openapi adds them to the document.
PREFLIGHT_OUT = {
    "ok": False,
    "steps": [
        {"id": "manifest", "status": "ok", "reason": bi("Manifest hợp lệ.", "The manifest is valid."), "details": {}},
        {
            "id": "start_url",
            "status": "ok",
            "reason": bi("Trang bắt đầu trả lời (HTTP 200).", "The start page answers (HTTP 200)."),
            "details": {},
        },
        {
            "id": "login.child",
            "status": "failed",
            "reason": bi(
                "Không thấy dấu hiệu đã đăng nhập sau các bước đăng nhập.", "No logged-in marker after the login steps."
            ),
            "details": {"url": "https://kidzone.example.vn/dang-nhap"},
        },
    ],
}
ARTIFACT = {
    "applicable": True,
    "complete": True,
    "missing": [],
    "pages": [
        {
            "url": "https://kidzone.example.vn/",
            "status": 200,
            "scheme": "https",
            "hsts": "max-age=31536000",
            "screenshot": "transport-start.png",
        }
    ],
}
EVIDENCE_FILE_OUT = {
    "id": 7,
    "submission_id": 42,
    "criterion_id": "CF-01",
    "name": "bao-cao-kiem-thu-loc.pdf",
    "media_type": "application/pdf",
    "size": 184320,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "created_at": "2025-03-02T08:15:00Z",
}

UNTYPED_RESPONSES: dict[str, Any] = {
    "checkProbeRun": PREFLIGHT_OUT,
    "getProbeArtifact": ARTIFACT,
    "getCriterion": CRITERION,
    "getAnswersSchema": ANSWERS_SCHEMA,
    "getCertifiedVerdict": {key: value for key, value in VERDICT_OUT.items() if key != "digest"},
}


def examples(*values: dict[str, Any]) -> dict[str, Any]:
    """`json_schema_extra` for a model: its examples."""
    return {"examples": list(values)}
