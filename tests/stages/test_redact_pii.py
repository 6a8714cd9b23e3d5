"""PII redaction: e-mail addresses and phone numbers become placeholders, each one recorded."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner.config import Config
from cleaner.stages.redact_pii import EMAIL, PHONE, redact

CONTACT = "电话：021-54098575 监督电话：13611778776 E-mail: 550502573@qq.com，香港：00852-27100021"


def test_emails_and_phones_are_replaced_and_recorded():
    doc = cleaner.clean_text("联系我们\n" + CONTACT + "\n工作时间为周一至周五。", Config(redact_pii=True))
    assert "电话：<PHONE> 监督电话：<PHONE> E-mail: <EMAIL>，香港：<PHONE>" in doc.text
    assert [r for r in doc.removed if r[0].startswith("pii:")] == [
        ("pii:email", "550502573@qq.com"), ("pii:phone", "021-54098575"), ("pii:phone", "13611778776"),
        ("pii:phone", "00852-27100021")]
    assert doc.flags["emails"] == 1 and doc.flags["phones"] == 3  # the signals count what the page had


def test_off_by_default():
    doc = cleaner.clean_text("联系我们\n" + CONTACT)
    assert "550502573@qq.com" in doc.text and not any(r[0].startswith("pii:") for r in doc.removed)


def test_the_title_is_redacted_too():
    page = ("<html><head><title>客服热线 400-8123456 13611778776</title></head><body><article><p>"
            + "本公司提供各类商务礼品定制服务，欢迎来电咨询。" * 4 + "</p></article></body></html>")
    doc = cleaner.clean_html(page, config=Config(redact_pii=True))
    assert doc.meta["title"] == "客服热线 400-8123456 <PHONE>"


def test_numbers_that_are_not_phones_stay():
    text = "QQ 215138693, 2020-08-08, 订单号 20200808123456, 价格 1,299.00 元, ISBN 978-7-02-000220-7"
    assert redact(text) == text
    assert PHONE.findall("call (555) 123-4567 or 555-123-4567 or +1 555 123 4567") == [
        "(555) 123-4567", "555-123-4567", "+1 555 123 4567"]
    assert EMAIL.findall("a@b.co x@y, first.last+tag@mail.example.org.") == ["a@b.co", "first.last+tag@mail.example.org"]


@given(st.text(max_size=200))
def test_redaction_is_idempotent(text):
    once = redact(text)
    assert redact(once) == once
