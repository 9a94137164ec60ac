"""Telegram's text and keyboard checks, without HTTP."""

from __future__ import annotations

import pytest

from bot.fake_telegram.models import ApiError
from bot.fake_telegram.validation import check_message_text, check_reply_markup, parse_text


@pytest.mark.parametrize(
    ("text", "mode", "plain"),
    [
        ("<b>Day 3</b>: <i>ice</i> &lt;20 min&gt;", "HTML", "Day 3: ice <20 min>"),
        ('<a href="https://example.org/a?b=1">link</a>', "HTML", "link"),
        ('<pre><code class="language-python">x = 1</code></pre>', "HTML", "x = 1"),
        ("*bold* _it_ __under__ ~s~ ||spoiler||", "MarkdownV2", "bold it under s spoiler"),
        ("[site](https://example.org) and `a.b`", "MarkdownV2", "site and a.b"),
        ("Rate 1\\-10\\. \\(0 \\= none\\)", "MarkdownV2", "Rate 1-10. (0 = none)"),
        ("*bold* and [x](http://e.org)", "Markdown", "bold and x"),
        ("plain <b> stays", None, "plain <b> stays"),
    ],
)
def test_parse_modes_strip_markup(text: str, mode: str | None, plain: str) -> None:
    assert parse_text(text, mode) == plain


@pytest.mark.parametrize(
    ("text", "mode", "reason"),
    [
        ("I <3 you", "HTML", 'Unsupported start tag "3" at byte offset 2'),
        ("line<br>break", "HTML", 'Unsupported start tag "br"'),
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "HTML", 'expected "</i>", found "</b>"'),
        ("Done!", "MarkdownV2", "Character '!' is reserved"),
        ("*never closed", "MarkdownV2", "Can't find end of the entity starting at byte offset 0"),
        ("`code", "Markdown", "Can't find end of the entity"),
    ],
)
def test_parse_errors_read_like_telegram(text: str, mode: str, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_text(text, mode)
    assert caught.value.status == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert reason in caught.value.description


def test_text_length_counts_characters_after_parsing() -> None:
    assert len(check_message_text("<b>" + "é" * 4096 + "</b>", "HTML")) == 4096
    with pytest.raises(ApiError, match="message is too long"):
        check_message_text("x" * 4097, None)
    with pytest.raises(ApiError, match="message text is empty"):
        check_message_text("   ", None)


def test_keyboards() -> None:
    ok = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 32}]]}
    assert check_reply_markup(ok) == ok
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):  # 64 bytes, not characters
        check_reply_markup({"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]})
    with pytest.raises(ApiError, match="exactly one of the optional fields"):
        check_reply_markup(
            {"inline_keyboard": [[{"text": "A", "callback_data": "a", "url": "https://e.org"}]]}
        )
    with pytest.raises(ApiError, match="reply markup is too long"):
        check_reply_markup({"inline_keyboard": [[{"text": "A", "callback_data": "a"}] * 101]})
    with pytest.raises(ApiError, match="inline keyboard expected"):
        check_reply_markup({"keyboard": [["Yes"]]}, inline_only=True)
    assert check_reply_markup({"keyboard": [["Yes", {"text": "No"}]]}) is not None
    assert check_reply_markup({"remove_keyboard": True}) == {"remove_keyboard": True}
