"""Hostile requests get a 4xx with a JSON detail, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

GOOD = {"client_id": "g1", "unit": "north_coal", "period": "1958", "product": "coal", "produced": 1.0}
JSON = {"content-type": "application/json"}


def _detail(r: object) -> str:
    body = r.json()  # type: ignore[attr-defined]
    assert isinstance(body["detail"], str) and body["detail"]
    return str(body["detail"])


def test_huge_bodies_are_refused(planner: TestClient) -> None:
    big = b'{"reports": [' + b'{"x": 1},' * 200_000 + b'{"x": 1}]}'
    r = planner.post("/api/reports/batch", content=big, headers=JSON)
    assert r.status_code == 413 and "over 1000000 bytes" in _detail(r)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        yield b'{"client_id": "'
        for _ in range(300):
            yield b"x" * 10_000
        yield b'"}'

    r = planner.post("/api/reports", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert planner.get("/api/reports").json() == []


def test_malformed_json(planner: TestClient) -> None:
    for raw in [
        b"{not json",
        b'{"client_id": "a",}',
        b"[" * 100_000,
        b"\xff\xfe\x00garbage",
        b"null",
        b"[1, 2]",
        b'"text"',
    ]:
        r = planner.post("/api/reports", content=raw, headers=JSON)
        assert r.status_code in (400, 422), raw[:20]
        _detail(r)


INJECTIONS: list[dict[str, object]] = [
    {"unit": "north'; DROP TABLE reports; --"},
    {"product": "coal' OR '1'='1"},
    {"unit": "../../etc/passwd"},
    {"unit": "north\x00"},
    {"remark": "nul \x00 byte"},
    {"inputs": ["coal", 1]},
    {"inputs": {"coal": {"nested": True}}},
    {"produced": True},
    {"produced": "1e999"},
    {"client_id": "x" * 101},
    {"period": ["1958"]},
]


def test_wrong_types_and_injection_attempts(planner: TestClient) -> None:
    for change in INJECTIONS:
        r = planner.post("/api/reports", json=GOOD | change)
        assert r.status_code == 422, (change, r.text)
        _detail(r)
    assert planner.post("/api/reports", json=GOOD).status_code == 201  # the table is still there and works


BAD_QUERIES = [
    "/api/reports?unit=north'%20OR%20'1'='1",
    "/api/reports?period=%00",
    "/api/reports?limit=-1",
    "/api/reports?limit=ten",
    "/api/rollup?unit=" + "x" * 500,
    "/api/reports/99999999999999999999999/versions",
    "/api/reports/abc/versions",
    "/api/agreements?as_of=yesterday",
]


def test_bad_queries(planner: TestClient) -> None:
    for path in BAD_QUERIES:
        r = planner.get(path)
        assert r.status_code == 422, (path, r.text)
        _detail(r)


def test_path_tricks_find_nothing(planner: TestClient) -> None:
    for path in ["/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/api/../../etc/passwd", "/nothing"]:
        r = planner.get(path)
        assert r.status_code == 404, path
        assert "root:" not in r.text


def test_wrong_methods_and_ids(planner: TestClient) -> None:
    assert planner.delete("/api/reports").status_code == 405
    assert planner.post("/api/reports/12345/approve").status_code == 404
    assert (
        planner.post(
            "/api/agreements/" + "a" * 300 + "/deliveries", json={"quantity": 1, "date": "1958-02-01"}
        ).status_code
        == 422
    )
    assert planner.post("/api/token", data={"username": "x" * 500, "password": "y"}).status_code == 422
    assert planner.post("/api/token", json={"username": "planner", "password": "planner"}).status_code == 422
