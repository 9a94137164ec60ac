"""The checks Telegram makes that catch a bot's bugs: text, parse modes, keyboards.

Messages and codes follow what the real Bot API answers, so a bot's error handling sees what it
would see in production. Entity parsing is simplified: markup is checked and removed, but no
entities are computed from it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.fake_telegram.models import JSONDict, bad_request

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
# MarkdownV2: these must be escaped with "\" wherever they are not markup.
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_MAX_BUTTONS = 100
_MAX_CAPTION = MessageLimit.CAPTION_LENGTH


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _cant_parse(reason: str) -> Exception:
    return bad_request(f"can't parse entities: {reason}")


def parse_html(text: str) -> str:
    """Strip Telegram-HTML markup, rejecting what Telegram rejects (unknown or unclosed tags)."""
    out: list[str] = []
    open_tags: list[tuple[str, int]] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            out.append(html.unescape(text[pos:]))
            break
        out.append(html.unescape(text[pos:lt]))
        match = _HTML_TAG.match(text, lt)
        if match is None:
            bad = re.match(r"/?[^\s<>]*", text[lt + 1 :])
            token = bad.group(0) if bad else ""
            raise _cant_parse(
                f'Unsupported start tag "{token}" at byte offset {_byte_offset(text, lt)}'
            )
        closing, name, _attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise _cant_parse(
                f'Unsupported {kind} tag "{name}" at byte offset {_byte_offset(text, lt)}'
            )
        if closing:
            if not open_tags or open_tags[-1][0] != name:
                expected = f'expected "</{open_tags[-1][0]}>", ' if open_tags else ""
                raise _cant_parse(
                    f"Unmatched end tag at byte offset {_byte_offset(text, lt)}, "
                    f'{expected}found "</{name}>"'
                )
            open_tags.pop()
        else:
            open_tags.append((name, lt))
        pos = match.end()
    if open_tags:
        name, at = open_tags[-1]
        raise _cant_parse(
            f'Can\'t find end tag corresponding to start tag "{name}" '
            f"at byte offset {_byte_offset(text, at)}"
        )
    return "".join(out)


def parse_markdown_v2(text: str) -> str:
    """Strip MarkdownV2 markup; unescaped reserved characters fail as they do on Telegram."""
    out: list[str] = []
    open_marks: list[tuple[str, int]] = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        line_start, at_line_start = at_line_start, c == "\n"
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        if c == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise _cant_parse(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if first.strip() and " " not in first.strip() else body
            out.append(body.replace("\\`", "`").replace("\\\\", "\\"))
            i = end + len(fence)
            continue
        mark = "||" if text.startswith("||", i) else "__" if text.startswith("__", i) else c
        if mark in ("*", "_", "__", "~", "||"):
            opened = next(
                (k for k in range(len(open_marks) - 1, -1, -1) if open_marks[k][0] == mark), None
            )
            if opened is None:
                open_marks.append((mark, i))
            else:
                del open_marks[opened]
            i += len(mark)
            continue
        if c == "[" or (c == "!" and text.startswith("![", i)):
            open_marks.append(("[", i))
            i += 2 if c == "!" else 1
            continue
        if c == "]" and open_marks and open_marks[-1][0] == "[":
            if not text.startswith("(", i + 1):
                raise _cant_parse(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, open_marks[-1][1])}"
                )
            close = text.find(")", i + 2)
            if close < 0:
                raise _cant_parse(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
                )
            open_marks.pop()
            i = close + 1
            continue
        if c == ">" and line_start:
            i += 1
            continue
        if c in _MDV2_RESERVED:
            raise _cant_parse(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(c)
        i += 1
    if open_marks:
        raise _cant_parse(
            f"Can't find end of the entity starting at byte offset "
            f"{_byte_offset(text, open_marks[-1][1])}"
        )
    return "".join(out)


def parse_markdown(text: str) -> str:
    """Legacy Markdown: only * _ ` [ are markup and unclosed ones fail."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            i += 2
            continue
        if c in "*_`":
            fence = "```" if text.startswith("```", i) else c
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise _cant_parse(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + len(fence) : end])
            i = end + len(fence)
            continue
        if c == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if end < 0:
                raise _cant_parse(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            out.append(text[i + 1 : close])
            i = end + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_text(text: str, parse_mode: str | None) -> str:
    """The plain text Telegram would keep after parsing ``parse_mode`` markup."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def check_message_text(text: Any, parse_mode: str | None) -> str:
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    plain = parse_text(text, parse_mode)
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MessageLimit.MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return plain


def check_caption(caption: Any, parse_mode: str | None) -> str:
    if caption is None or caption == "":
        return ""
    if not isinstance(caption, str):
        raise bad_request("can't parse caption")
    plain = parse_text(caption, parse_mode)
    if len(plain) > _MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = _INLINE_ACTIONS.intersection(button)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        size = len(data.encode("utf-8"))
        if (
            not InlineKeyboardButtonLimit.MIN_CALLBACK_DATA
            <= size
            <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S", url):
            raise bad_request("inline keyboard button URL is invalid")


def _check_rows(markup: JSONDict, key: str, type_name: str) -> list[Any]:
    rows = markup.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{key}" of the {type_name} must be an Array of Arrays')
    if sum(len(row) for row in rows) > _MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
    """Validate a reply_markup object; returns it, or None when absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _check_rows(markup, "inline_keyboard", "InlineKeyboardMarkup"):
            for button in row:
                _check_inline_button(button)
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        for row in _check_rows(markup, "keyboard", "ReplyKeyboardMarkup"):
            for button in row:
                label = button.get("text") if isinstance(button, dict) else button
                if not isinstance(label, str) or not label:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def same_inline_markup(a: JSONDict | None, b: JSONDict | None) -> bool:
    """Equal for "message is not modified": a missing keyboard equals an empty one."""

    def rows(markup: JSONDict | None) -> Any:
        if not markup:
            return []
        return markup.get("inline_keyboard") or []

    return bool(rows(a) == rows(b))
