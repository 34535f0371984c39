from portal.registry.jurisdiction import office_for_region


def test_unit_falls_under_nearest_office(app, make_office, root_office):
    xihu = make_office("330106", name="西湖区机构编制委员会办公室")
    assert office_for_region("330106").id == xihu.id
    # 滨江区 has no office of its own here: the city office has jurisdiction
    assert office_for_region("330108").id == root_office.id
    assert office_for_region("330100").id == root_office.id
    # outside every office's region
    assert office_for_region("110101") is None


def test_fixtures_reset_between_tests(app, make_unit):
    unit = make_unit("杭州市财政局", quotas={"administrative": (50, 52)})
    assert unit.quotas[0].excess == 2
    assert unit.quotas[0].vacancy == 0
