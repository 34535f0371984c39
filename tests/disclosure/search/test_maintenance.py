"""Index maintenance: updates, removal, other handles seeing commits, lock waiting, rebuilds, corrupt index."""
from __future__ import annotations

import dataclasses
import logging
import threading
import time

from disclosure.search import (
    index_documents,
    open_or_create_index,
    rebuild,
    remove_document,
    search,
)
from disclosure.search.storage import index_path
from tests.disclosure.search.conftest import CORPUS, SCJ


def names(si, query):
    return [h.name for h in search(si, query).hits]


def test_remove_document_removes(fresh_index):
    index_documents(fresh_index, CORPUS)
    assert remove_document(fresh_index, SCJ)
    assert "杭州市市场监督管理局" not in names(fresh_index, "市场监督管理局")
    assert remove_document(fresh_index, "no-such-code")
    assert fresh_index.doc_count() == len(CORPUS) - 1


def test_updates_replace_the_document_and_never_leave_old_versions(fresh_index):
    """Regression for whoosh-reloaded 2.7.5, whose Searcher.refresh() keeps replaced versions visible."""
    doc = CORPUS[0]
    index_documents(fresh_index, CORPUS[1:3])
    for n in range(1, 4):
        assert names(fresh_index, "杭州") is not None          # a searcher is open between the commits
        index_documents(fresh_index, [dataclasses.replace(doc, name=f"杭州市市场监督管理局{n}号")])
    assert fresh_index.doc_count() == 3
    assert names(fresh_index, "市场监督管理局") == ["杭州市市场监督管理局3号"]


def test_another_handle_sees_a_commit_on_its_next_search(data_dir, fresh_index):
    other = open_or_create_index(data_dir)
    try:
        assert search(other, "审计").total == 0
        index_documents(fresh_index, CORPUS)
        assert search(other, "审计").total >= 1
        remove_document(fresh_index, SCJ)
        assert "杭州市市场监督管理局" not in names(other, "市场监督管理局")
    finally:
        other.close()


def test_a_writer_waits_for_the_lock_instead_of_failing(data_dir, fresh_index):
    other = open_or_create_index(data_dir)
    held = fresh_index.ix.writer()                 # another process holding the lock, say
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("ok", index_documents(other, CORPUS[:1])))
    try:
        thread.start()
        time.sleep(0.3)
        held.add_document(code="X", name="杭州市统计局")
        held.commit()
        thread.join(60)
        assert outcome == {"ok": True}
        assert fresh_index.doc_count() == 2
    finally:
        other.close()


def test_two_writers_at_once_both_succeed(data_dir, fresh_index):
    other = open_or_create_index(data_dir)
    barrier = threading.Barrier(2)
    outcome = []

    def write(si, docs):
        barrier.wait()
        outcome.append(index_documents(si, docs))

    threads = [threading.Thread(target=write, args=(fresh_index, CORPUS[:3])),
               threading.Thread(target=write, args=(other, CORPUS[3:]))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert outcome == [True, True]
        assert fresh_index.doc_count() == len(CORPUS)
    finally:
        other.close()


def test_giving_up_on_the_lock_is_logged_not_raised(fresh_index, caplog):
    held = fresh_index.ix.writer()
    try:
        with caplog.at_level(logging.ERROR):
            assert index_documents(fresh_index, CORPUS[:1], wait=0.1) is False
            assert remove_document(fresh_index, SCJ, wait=0.1) is False
    finally:
        held.cancel()
    assert "write lock" in caplog.text
    assert index_documents(fresh_index, CORPUS[:1])


def test_rebuild_in_two_processes_replaces_everything_in_one_commit(fresh_index):
    index_documents(fresh_index, [dataclasses.replace(CORPUS[0], code="OLD", name="杭州市旧机构")])
    many = [dataclasses.replace(d, code=f"{d.code}-{n}") for n in range(5) for d in CORPUS]
    ticks = []
    assert rebuild(fresh_index, iter(many), procs=2, progress=ticks.append) == len(many)
    assert sum(ticks) == len(many)
    assert fresh_index.doc_count() == len(many)
    assert search(fresh_index, "杭州市旧机构").total == 0
    assert search(fresh_index, "编办").total == 5
    assert search(fresh_index, '"市场监督"').total >= 10      # phrases survive pre-segmented documents


def test_a_missing_index_is_rebuilt_from_the_source(data_dir, caplog):
    with caplog.at_level(logging.WARNING):
        si = open_or_create_index(data_dir, rebuild_source=lambda: iter(CORPUS))
    try:
        assert "missing" in caplog.text
        assert si.doc_count() == len(CORPUS)
    finally:
        si.close()


def test_a_corrupt_index_is_rebuilt_with_a_log_line(data_dir, caplog):
    si = open_or_create_index(data_dir)
    index_documents(si, CORPUS)
    si.close()
    for path in index_path(data_dir).iterdir():
        path.write_bytes(b"\x00garbage\xff" * 10)
    with caplog.at_level(logging.WARNING):
        si = open_or_create_index(data_dir, rebuild_source=lambda: iter(CORPUS), procs=1)
    try:
        assert "unreadable" in caplog.text
        assert search(si, "市监局").hits[0].code == SCJ
    finally:
        si.close()


def test_facets_and_codes_stay_right_across_segments_and_commits(fresh_index):
    for doc in CORPUS:                                   # one commit (and segment) per document
        index_documents(fresh_index, [doc])
    first = search(fresh_index, "杭州市")
    remove_document(fresh_index, CORPUS[1].code)
    index_documents(fresh_index, [dataclasses.replace(CORPUS[0], kind="party")])
    after = search(fresh_index, "杭州市")
    assert dict(first.facets["kind"]) == {"admin": 4, "party": 1, "institution": 1}
    assert dict(after.facets["kind"]) == {"admin": 2, "party": 2, "institution": 1}
    assert {h.code for h in after.hits} == {d.code for d in CORPUS if "杭州市" in d.name} - {CORPUS[1].code}


def test_a_two_process_rebuild_indexes_the_same_terms_as_one_process(tmp_path):
    """With several processes the writers cut raw text themselves; the index must answer exactly as a
    single process's pre-cut documents do."""
    many = [dataclasses.replace(d, code=f"{d.code}-{n}") for n in range(4) for d in CORPUS]
    answers = []
    for procs in (1, 2):
        si = open_or_create_index(tmp_path / f"p{procs}")
        try:
            assert rebuild(si, iter(many), procs=procs) == len(many)
            answers.append({q: (r.total, [h.code for h in r.hits])
                            for q in ("编办", "市监局", "审计", "市场监督", "吃空饷", "知识产权", "sjj", "医疗保障局")
                            for r in [search(si, q, per_page=50)]})
        finally:
            si.close()
    assert answers[0] == answers[1]
    assert answers[0]["编办"][0] == 4 and answers[0]["吃空饷"][0] == 4
