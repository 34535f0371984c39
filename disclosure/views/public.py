"""The public portal (no login): home, search, unit pages, organisation tree, office contacts,
announcements, sitemap and the page explaining what is published.

Every read goes through ``disclosure.queries`` (units public *now*: published, active, not classified)
or ``disclosure.public_search``; nothing here touches the register's internal columns for display.
Bad input never fails: a malformed page number is clamped, an unknown filter simply finds nothing,
a missing or non-public unit is a Chinese 404 page inside the public layout.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import (
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from werkzeug.exceptions import NotFound as HTTPNotFound

from portal.enums import CodedEnum
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.registry import regions
from portal.registry.jurisdiction import office_for_region
from portal.registry.models import Level, UnitKind
from portal.registry.queries import paginate
from portal.timeutil import as_utc

from disclosure import queries, services
from disclosure.public_search import search_units as run_search
from disclosure.views import public_bp

SEARCH_PER_PAGE = 20
MAX_PAGE = 10_000
MAX_QUERY_CHARS = 1000
ANNOUNCEMENTS_PER_PAGE = 15
HOME_REGIONS = 12             # the home page's region table: the largest ones, then a link to the tree
FACET_OPTIONS = 15            # values shown per facet (the largest; the selected one always)
TREE_INLINE_MAX = 500          # up to this many public units the tree page shows every region at once
SITEMAP_MAX_URLS = 50_000      # the sitemap protocol's limit per file

# snapshot keys → what the public pages call them (about page, history)
FIELD_LABELS = {
    "name": _l("名称"), "short_name": _l("简称"), "code": _l("统一社会信用代码"), "kind": _l("机构类型"),
    "level": _l("机构规格"), "category": _l("事业单位类别"), "funding": _l("经费形式"),
    "is_civil_service_managed": _l("参照公务员法管理"), "parent": _l("主管部门"), "region": _l("行政区划"),
    "established_on": _l("设立日期"), "other_names": _l("其他名称（加挂牌子、曾用名）"), "functions_md": _l("主要职责"),
    "departments": _l("内设机构及其职责"), "quotas": _l("核定编制（分类别）"), "approved_total": _l("核定编制合计"),
    "actual_total": _l("实有人数"), "posts": _l("领导职数"), "documents": _l("设立及三定文件"),
}


# ---------------------------------------------------------------- helpers

def _enum_label(enum_cls: type[CodedEnum], code: str | None) -> str:
    if not code:
        return ""
    try:
        return enum_cls(code).label
    except ValueError:
        return code


def _int_arg(name: str, default: int, *, low: int = 1, high: int = MAX_PAGE) -> int:
    try:
        value = int(str(request.args.get(name, default)).strip())
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _text_arg(name: str, limit: int = 50) -> str | None:
    value = " ".join(str(request.args.get(name) or "").split())[:limit]
    return value or None


class ResultPagination(Pagination):
    """A search result as the ``pager`` macro's Flask-SQLAlchemy pagination."""

    def __init__(self, result):
        self._result = result
        super().__init__(page=result.page, per_page=result.per_page, max_per_page=None, error_out=False)

    def _query_items(self):
        return list(self._result.hits)

    def _query_count(self):
        return self._result.total


@public_bp.context_processor
def _labels():
    return {"kind_label": lambda code: _enum_label(UnitKind, code),
            "level_label": lambda code: _enum_label(Level, code), "w3c_datetime": _w3c_datetime}


def _w3c_datetime(value) -> str:
    """A sitemap ``lastmod``: UTC time in W3C format."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _not_found(message: str | None = None):
    return render_template("disclosure/public/not_found.html",
                           message=message or _("未找到该页面或记录。")), 404


@public_bp.errorhandler(NotFound)
def _service_not_found(error: NotFound):
    db.session.rollback()
    return _not_found(error.message)


@public_bp.errorhandler(HTTPNotFound)
def _http_not_found(_error):
    return _not_found()


# ---------------------------------------------------------------- home

def _overview(**filters):
    """Every public unit (narrowed by ``filters``) as the search sees it: the total and the facets.

    The figures of the home, tree and contact pages come from here, so they match what a click on
    them finds, and they cost what a search costs (the engine caches per index generation) instead
    of reading every snapshot."""
    return run_search(None, per_page=1, **filters)


@public_bp.route("/")
def home():
    overview = _overview()
    by_kind = [(code, _enum_label(UnitKind, code), n) for code, n in overview.facets.get("kind", []) if code]
    by_region = [(code, regions.full_name(code), n)
                 for code, n in overview.facets.get("region_code", []) if regions.is_valid(code)]
    latest = db.session.execute(queries.public_announcements().limit(5)).scalars().all()
    return render_template(
        "disclosure/public/home.html", total=overview.total, by_kind=by_kind,
        by_region=by_region[:HOME_REGIONS], more_regions=len(by_region) > HOME_REGIONS, announcements=latest,
    )


# ---------------------------------------------------------------- search

FACETS = (("kind", "kind", _l("机构类型")), ("level", "level", _l("机构规格")),
          ("region", "region_code", _l("行政区划")), ("parent", "parent_code", _l("主管部门")))


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    url: str
    is_active: bool


def _search_url(args: dict, **changes) -> str:
    """The search page with ``args`` changed by ``changes`` (None drops a parameter); back to page 1."""
    merged = {**args, **changes}
    return url_for("public.search_units", **{k: v for k, v in merged.items() if v not in (None, "")})


def _facet_label(param: str, value: str, parent_names: dict[str, str]) -> str | None:
    if param == "kind":
        return _enum_label(UnitKind, value)
    if param == "level":
        return _enum_label(Level, value)
    if param == "region":
        return regions.full_name(value) if regions.is_valid(value) else None
    return parent_names.get(value)   # only a parent public now is ever named


def _shown_values(values: list[tuple[str, int]], selected: str | None) -> list[tuple[str, int]]:
    top = values[:FACET_OPTIONS]
    if selected and all(value != selected for value, _n in top):
        top += [(value, n) for value, n in values if value == selected]
    return top


def _facet_groups(result, args: dict) -> list[tuple[str, str, list[FacetOption]]]:
    shown = {key: _shown_values(result.facets.get(key, []), args.get(param)) for param, key, _t in FACETS}
    parent_names = queries.public_names([value for value, _n in shown["parent_code"]])
    groups = []
    for param, key, title in FACETS:
        options = []
        for value, count in shown[key]:
            label = _facet_label(param, value, parent_names)
            if not value or not label:
                continue
            is_active = args.get(param) == value
            options.append(FacetOption(value, label, count, _search_url(args, **{param: None if is_active else value}),
                                       is_active))
        if options:
            groups.append((param, title, options))
    return groups


def _active_filters(args: dict) -> list[tuple[str, str]]:
    parent_names = queries.public_names([args["parent"]]) if args.get("parent") else {}
    out = []
    for param, _key, title in FACETS:
        if args.get(param):
            label = _facet_label(param, args[param], parent_names) or _("（无此项）")
            out.append((f"{title}：{label}", _search_url(args, **{param: None})))
    return out


@public_bp.route("/search")
def search_units():
    q = " ".join(str(request.args.get("q") or "").split())[:MAX_QUERY_CHARS]
    sort = request.args.get("sort") if request.args.get("sort") in ("relevance", "name") else "relevance"
    args = {"q": q, "kind": _text_arg("kind"), "level": _text_arg("level"), "region": _text_arg("region"),
            "parent": _text_arg("parent"), "sort": sort if sort != "relevance" else None}
    page = _int_arg("page", 1)
    error = None
    try:
        result = run_search(q or None, kind=args["kind"], level=args["level"], region=args["region"],
                            parent=(args["parent"] or "").upper() or None, sort=sort, page=page,
                            per_page=SEARCH_PER_PAGE)
    except InvalidInput as exc:
        error, result = exc.message, None
    return render_template(
        "disclosure/public/search.html", q=q, sort=sort, args=args, result=result, error=error,
        pagination=ResultPagination(result) if result is not None else None,
        facets=_facet_groups(result, args) if result is not None else [],
        active_filters=_active_filters(args), sort_urls={s: _search_url(args, sort=None if s == "relevance" else s)
                                                         for s in ("relevance", "name")},
        suggestion_urls=[(s, url_for("public.search_units", q=s)) for s in (result.suggestions if result else [])],
    )


# ---------------------------------------------------------------- unit page

@dataclass(frozen=True)
class HistoryEntry:
    version: int
    published_at: object
    name: str
    changes: list[str]      # labels of what changed from the version before (empty for the first)


def _history(found: queries.PublicUnit) -> list[HistoryEntry]:
    """The current version and the earlier ones, newest first, each with what changed from the one before."""
    versions = [(found.publication.version, found.publication.published_at, found.snapshot)]
    versions += [(v.version, v.published_at, v.snapshot) for v in services.history(found.unit)]
    entries = []
    for i, (version, published_at, snapshot) in enumerate(versions):
        older = versions[i + 1][2] if i + 1 < len(versions) else None
        changed = services.changed_fields(older, snapshot) if older is not None else []
        entries.append(HistoryEntry(version, published_at, snapshot.get("name", ""),
                                    [str(FIELD_LABELS.get(k, k)) for k in changed]))
    return entries


@public_bp.route("/units/<code>")
def unit_detail(code: str):
    found = queries.public_unit(code)
    if found is None:
        raise NotFound(_("未找到该机构的公开信息：统一社会信用代码可能有误，或该机构尚未公开、已撤回公开。"))
    if code != found.unit.code:
        return redirect(url_for("public.unit_detail", code=found.unit.code), 301)
    snap = found.snapshot
    parent = snap.get("parent")
    parent_is_public = bool(parent) and bool(queries.public_codes([parent["code"]]))
    quotas = snap.get("quotas", [])
    region_code = (snap.get("region") or {}).get("code") or ""
    return render_template(
        "disclosure/public/unit_detail.html", snap=snap, publication=found.publication, parent=parent,
        parent_is_public=parent_is_public, history=_history(found), contact_office=office_for_region(region_code),
        show_actual="actual_total" in snap or any("actual" in q for q in quotas),
    )


# ---------------------------------------------------------------- organisation tree

@public_bp.route("/organizations")
def browse_tree():
    region = _text_arg("region", 6)
    counts = sorted((code, regions.full_name(code), n)
                    for code, n in _overview().facets.get("region_code", []) if regions.is_valid(code))
    total = sum(n for _c, _l, n in counts)
    if region is not None:
        trees = queries.public_tree(region) if region.isdigit() else []
    else:
        trees = queries.public_tree() if total <= TREE_INLINE_MAX else None
    return render_template("disclosure/public/tree.html", region=region, counts=counts, total=total, trees=trees,
                           region_label=regions.full_name(region) if region and regions.is_valid(region) else region)


# ---------------------------------------------------------------- offices

@public_bp.route("/contact")
def list_offices():
    rows = queries.public_offices()
    return render_template("disclosure/public/offices.html", rows=rows)


@public_bp.route("/contact/<region_code>")
def office_contact(region_code: str):
    office = queries.public_office(region_code)
    if office is None:
        raise NotFound(_("未找到该地区的机构编制部门。"))
    return render_template(
        "disclosure/public/office.html", office=office, region_name=regions.full_name(office.region_code),
        unit_count=_overview(region=office.region_code).total,
        parent=office.parent, children=sorted(office.children, key=lambda o: o.region_code),
    )


# ---------------------------------------------------------------- announcements

@public_bp.route("/announcements")
def list_announcements():
    pagination = paginate(queries.public_announcements(), request.args.get("page"), ANNOUNCEMENTS_PER_PAGE,
                          default_per_page=ANNOUNCEMENTS_PER_PAGE, max_per_page=ANNOUNCEMENTS_PER_PAGE)
    return render_template("disclosure/public/announcements.html", pagination=pagination)


@public_bp.route("/announcements/<int:announcement_id>")
def announcement_detail(announcement_id: int):
    announcement = queries.public_announcement(announcement_id)
    if announcement is None:
        raise NotFound(_("未找到该通知公告，它可能尚未发布或已撤下。"))
    return render_template("disclosure/public/announcement.html", announcement=announcement)


# ---------------------------------------------------------------- about

@public_bp.route("/about")
def about():
    show_actual = bool(current_app.config.get("DISCLOSURE_SHOW_ACTUAL"))
    fields = [str(label) for key, label in FIELD_LABELS.items() if key != "actual_total" or show_actual]
    return render_template("disclosure/public/about.html", fields=fields, show_actual=show_actual,
                           offices=queries.public_offices()[:1])


# ---------------------------------------------------------------- sitemap

def _xml(template: str, **context):
    response = make_response(render_template(template, **context))
    response.mimetype = "application/xml"
    return response


def _static_urls() -> list[tuple[str, object]]:
    pages = ["public.home", "public.search_units", "public.browse_tree", "public.list_offices",
             "public.list_announcements", "public.about"]
    urls = [(url_for(endpoint, _external=True), None) for endpoint in pages]
    urls += [(url_for("public.office_contact", region_code=row.office.region_code, _external=True), None)
             for row in queries.public_offices()]
    for announcement in db.session.execute(queries.public_announcements()).scalars():
        urls.append((url_for("public.announcement_detail", announcement_id=announcement.id, _external=True),
                     announcement.updated_at))
    return urls


def _unit_urls(rows) -> list[tuple[str, object]]:
    # one url_for, then the code put in: a credit code is letters and digits only, nothing to quote
    prefix = url_for("public.unit_detail", code="0", _external=True)[:-1]
    return [(prefix + code, published_at) for code, published_at in rows]


@public_bp.route("/sitemap.xml")
def sitemap():
    """Every public URL, or — past the protocol's 50,000 URLs — an index of numbered parts."""
    limit = int(current_app.config.get("SITEMAP_MAX_URLS", SITEMAP_MAX_URLS))
    static = _static_urls()
    room = max(limit - len(static), 0)
    rows = queries.public_sitemap_rows(0, room + 1)
    if len(rows) <= room:
        return _xml("disclosure/public/sitemap.xml", urls=static + _unit_urls(rows))
    parts = 1 + -(-queries.public_count() // limit)
    return _xml("disclosure/public/sitemap_index.xml",
                parts=[url_for("public.sitemap_part", part=n, _external=True) for n in range(1, parts + 1)])


@public_bp.route("/sitemap-<int:part>.xml")
def sitemap_part(part: int):
    """Part 1: the pages and announcements; parts 2…: public units, ``SITEMAP_MAX_URLS`` each."""
    limit = int(current_app.config.get("SITEMAP_MAX_URLS", SITEMAP_MAX_URLS))
    if part == 1:
        return _xml("disclosure/public/sitemap.xml", urls=_static_urls()[:limit])
    urls = _unit_urls(queries.public_sitemap_rows((part - 2) * limit, limit)) if part >= 2 else []
    if not urls:
        raise NotFound()
    return _xml("disclosure/public/sitemap.xml", urls=urls)
