from inspection.services import cases, findings


def test_case_through_its_life(w, make_case, make_finding, issue_notice):
    case = make_case()
    assert case.number == "杭编督〔2026〕1号" or case.number.startswith("杭编督〔")
    finding = make_finding(case)
    notice = issue_notice(case)
    assert case.status == "rectifying"
    assert finding.notice_id == notice.id and finding.due_on is not None
    findings.accept(w.inspector, finding, "现场核查已整改。")
    cases.transition(w.inspector, case, "closed")
    assert case.status == "closed"
