"""The server's refusals sent before any page (too many wrong passwords, a bad owner link, a foreign site,
an upload, a wrong host) in the browser's language: its stored choice (the language cookie), else its
Accept-Language; English otherwise, worded as before."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.edges import FREE_FAILURES, LoginThrottle
from ui.language import CHANGE_JS, LOAD_JS, STORAGE_KEY
from ui.login_gate import GatePolicy, LoginGate

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}


def client(policy: GatePolicy) -> TestClient:
    async def ok(request: object) -> PlainTextResponse:  # the page behind the gate
        return PlainTextResponse("page")

    inner = Starlette(routes=[Route("/", ok), Route("/login", ok, methods=["POST"])])
    return TestClient(LoginGate(inner, policy), base_url="http://127.0.0.1:7860")


def slowed() -> GatePolicy:
    policy = GatePolicy(owner_key="k" * 43)
    for _ in range(FREE_FAILURES + 1):
        policy.throttle.failed("testclient")
    return policy


@pytest.mark.parametrize(("headers", "cookie", "words"), [
    (ZH, None, "密码错误次数过多：请在"),
    (EN, None, "Too many wrong passwords: try again in "),
    (EN, "zh", "密码错误次数过多"),  # the stored choice wins over the browser's language
    (ZH, "en", "Too many wrong passwords"),
    (ZH, "auto", "密码错误次数过多"),
    ({}, None, "Too many wrong passwords"),
])
def test_too_many_wrong_passwords_in_the_browsers_language(headers, cookie, words) -> None:
    http = client(slowed())
    if cookie:
        http.cookies.set(STORAGE_KEY, cookie)
    refused = http.post("/login", data={"username": "a", "password": "b"}, headers=headers)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert words in refused.json()["detail"]


def test_a_bad_owner_link_in_the_browsers_language() -> None:
    http = client(GatePolicy(owner_key="k" * 43, throttle=LoginThrottle()))
    zh = http.get("/?owner=wrong", headers=ZH, follow_redirects=False)
    assert zh.status_code == 403
    assert zh.json()["detail"] == ("这个所有者链接无效（Wan Studio 每次启动都会生成新的链接）。请打开控制台打印的链接，"
                                   "或用共享密码登录。")
    en = http.get("/?owner=wrong", headers=EN, follow_redirects=False)
    assert en.json()["detail"].startswith("This owner link is not valid (Wan Studio makes a new one at every start).")
    good = http.get("/?owner=" + "k" * 43, headers=ZH, follow_redirects=False)
    assert good.status_code == 303  # the right key still opens the page


def test_other_refusals_before_the_page_in_chinese() -> None:
    http = client(GatePolicy())
    foreign = http.get("/", headers={**ZH, "Origin": "https://attacker.example"})
    assert foreign.status_code == 403 and foreign.json()["detail"] == "来自其他网站的请求会被拒绝。"
    rebound = http.get("/", headers={**ZH, "Host": "attacker.example:7860"})
    assert rebound.status_code == 403 and rebound.json()["detail"] == "这个页面只响应这台电脑自己的地址。"
    assert http.get("/", headers=EN).text == "page"


def test_the_language_switch_keeps_its_choice_in_a_cookie_the_server_reads() -> None:
    for script in (LOAD_JS, CHANGE_JS):
        assert f"document.cookie = '{STORAGE_KEY}=" in script and "SameSite=Strict" in script
