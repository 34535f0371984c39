"""portal.markdown.render_markdown: Markdown in, sanitised HTML out (the one renderer of user text)."""
import pytest
from markupsafe import Markup

from portal.markdown import render_markdown


def test_renders_markdown():
    html = render_markdown("## 职责\n\n1. 负责**审计**\n2. 负责统计\n\n| 处室 | 职数 |\n|---|---|\n| 办公室 | 2 |")
    assert isinstance(html, Markup)
    assert "<h2>职责</h2>" in html and "<ol>" in html and "<strong>审计</strong>" in html
    assert "<table>" in html and "<td>办公室</td>" in html


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("前<script>alert('x')</script>后", ["<script", "alert"]),
        ("[点我](javascript:alert(1))", ["javascript:", "alert"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript:", "alert"]),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["data:"]),
        ('<img src="x" onerror="alert(1)">', ["<img", "onerror"]),
        ('<p onclick="steal()" style="position:fixed">文字</p>', ["onclick", "style", "steal"]),
        ("<iframe src='https://evil.example'></iframe>", ["<iframe"]),
        ("<style>body{display:none}</style>正文", ["<style", "display"]),
    ],
)
def test_strips_active_content(text, forbidden):
    html = render_markdown(text).lower()
    for fragment in forbidden:
        assert fragment not in html, (fragment, html)


def test_keeps_safe_links_and_marks_them():
    html = render_markdown("见[政府网站](https://www.gov.cn \"中国政府网\")或<mailto:bb@example.cn>")
    assert 'href="https://www.gov.cn"' in html and 'title="中国政府网"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "mailto:" in html


@pytest.mark.parametrize("text", [None, "", "   \n"])
def test_empty_text_is_empty_markup(text):
    assert render_markdown(text) == Markup("")


def test_template_filter_is_registered(app):
    from flask import render_template_string

    assert render_template_string("{{ text|markdown }}", text="**粗**<script>x</script>") == "<p><strong>粗</strong></p>"
