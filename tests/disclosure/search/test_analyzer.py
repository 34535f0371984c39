"""The jieba analyzer: user dictionary, consecutive positions, same cut for index and query."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from disclosure.search import analyzer


@pytest.mark.parametrize("term", ["事业编制", "领导职数", "吃空饷", "三定规定", "超职数", "内设机构", "一网通办",
                                  "编办", "政法专项编制", "参照公务员法管理", "市场监督管理局"])
def test_user_dictionary_keeps_establishment_terms_whole(term):
    assert list(analyzer.jieba_tokenizer().cut(f"关于{term}的规定")).count(term) == 1


def test_query_tokens_are_numbered_consecutively():
    tokens = analyzer.segment("杭州市市场监督管理局", mode="query")
    assert [t[0] for t in tokens] == ["杭州市", "市场", "监督", "管理局"]
    assert [t[1] for t in tokens] == [0, 1, 2, 3]


def test_index_extras_share_the_position_of_their_part():
    tokens = analyzer.segment("杭州市审计局")
    positions = {text: pos for text, pos, _, _ in tokens}
    assert positions["审计"] == positions["审计局"] == positions["杭州市"] + 1


def test_a_phrase_inside_a_longer_name_is_cut_the_same_way():
    index = [t[0] for t in analyzer.segment("杭州市市场监督管理局", mode="query")]
    query = analyzer.query_words("市场监督")
    start = index.index(query[0])
    assert index[start:start + len(query)] == query


def test_lines_do_not_form_phrases_across_their_break():
    tokens = analyzer.segment("审计\n局长")
    assert tokens[1][1] - tokens[0][1] > 1


def test_char_tokens_keep_ascii_runs_whole():
    assert [t[0] for t in analyzer.char_segment("杭州ABC12局")] == ["杭", "州", "abc12", "局"]


def test_jieba_cache_lands_in_the_data_dir_and_analyse_is_never_imported(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from disclosure.search import analyzer
        analyzer.configure({str(tmp_path)!r})
        analyzer.warm_up()
        assert (analyzer.cache_path()).is_file(), analyzer.cache_path()
        assert "jieba.analyse" not in sys.modules
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-W", "error", "-X", "dev", "-c", script],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr
    assert (tmp_path / analyzer.CACHE_FILE_NAME).is_file()


@pytest.mark.parametrize("name, initials", [
    ("杭州市市场监督管理局", "hzsscjdglj"),
    ("重庆市长兴县农业银行", "cqscxxnyyh"),        # heteronyms read as in place names
    ("厦门市审计局", "xmssjj"),
])
def test_pinyin_initials(name, initials):
    from disclosure.search.documents import _initials

    assert _initials(name) == initials


def test_char_pairs_of_a_query_word():
    assert analyzer.char_pairs("市场监督") == ["市场", "场监", "监督"]
    assert analyzer.char_pairs("局") == ["局"]
    assert analyzer.char_pairs("12310热线") == ["12310热", "热线"]
