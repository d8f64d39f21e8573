"""Taicang's handling departments (承办单位) as DOMAIN.md lists them: the seed data of the fixture.

`confirmed` is True only for the names confirmed from public pages; staff check the others.
"""

from departments.models import DepartmentKind

CONFIRMED = [
    ("太仓市交通运输局", "交通运输局", DepartmentKind.GOVERNMENT),
    ("太仓市水务局", "水务局", DepartmentKind.GOVERNMENT),
    ("苏州市太仓生态环境局", "生态环境局", DepartmentKind.OUTPOST),
    ("太仓高新区管委会", "高新区", DepartmentKind.OTHER),
    ("太仓港经济技术开发区管委会", "港区", DepartmentKind.OTHER),
]

STANDARD_GOVERNMENT = [
    "发展和改革委员会",
    "工业和信息化局",
    "商务局",
    "科学技术局",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "城市管理局",
    "农业农村局",
    "文体广电和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "地方金融监督管理局",
    "信访局",
    "政务服务管理办公室",
    "市政府办公室",
]

TOWNS = ["沙溪镇", "浏河镇", "璜泾镇", "双凤镇", "城厢镇", "浮桥镇"]

PROVINCIAL = [("江苏太仓港口管理委员会", "港口管委会")]


def full_name(short: str) -> str:
    """太仓市 + the department's name; the city government's office is 太仓市政府办公室, not 太仓市市政府办公室.

    (Only that one: 市场监督管理局 also starts with 市 and is 太仓市市场监督管理局.)
    """
    return f"太仓{short}" if short == "市政府办公室" else f"太仓市{short}"


# The official order (the city's list of government bodies, then the districts and towns, then the
# bodies of higher levels in Taicang): the order of every department list, picker and table.
OFFICIAL_ORDER = [
    # 市级部门
    "太仓市政府办公室",
    "太仓市发展和改革委员会",
    "太仓市教育局",
    "太仓市科学技术局",
    "太仓市工业和信息化局",
    "太仓市公安局",
    "太仓市民政局",
    "太仓市司法局",
    "太仓市财政局",
    "太仓市人力资源和社会保障局",
    "太仓市自然资源和规划局",
    "太仓市住房和城乡建设局",
    "太仓市城市管理局",
    "太仓市交通运输局",
    "太仓市水务局",
    "太仓市农业农村局",
    "太仓市商务局",
    "太仓市文体广电和旅游局",
    "太仓市卫生健康委员会",
    "太仓市退役军人事务局",
    "太仓市应急管理局",
    "太仓市审计局",
    "太仓市市场监督管理局",
    "太仓市统计局",
    "太仓市医疗保障局",
    "太仓市信访局",
    "太仓市政务服务管理办公室",
    "太仓市地方金融监督管理局",
    # 区、镇
    "太仓港经济技术开发区管委会",
    "太仓高新区管委会",
    "太仓市城厢镇",
    "太仓市沙溪镇",
    "太仓市浏河镇",
    "太仓市浮桥镇",
    "太仓市璜泾镇",
    "太仓市双凤镇",
    # 驻太单位
    "苏州市太仓生态环境局",
    "江苏太仓港口管理委员会",
]
UNLISTED = 9000  # a department added later (admin) comes after the catalogue's


def sort_order(name: str) -> int:
    """The department's place in the official order (10, 20, …), or UNLISTED."""
    try:
        return (OFFICIAL_ORDER.index(name) + 1) * 10
    except ValueError:
        return UNLISTED


def departments() -> list[dict]:
    """Every department as fixture fields, in a stable order."""
    rows = [dict(name=n, short_name=s, kind=k.value, confirmed=True) for n, s, k in CONFIRMED]
    for name in STANDARD_GOVERNMENT:
        full = full_name(name)
        rows.append(dict(name=full, short_name=name, kind=DepartmentKind.GOVERNMENT.value, confirmed=False))
    rows += [
        dict(name=f"太仓市{t}", short_name=t, kind=DepartmentKind.TOWN.value, confirmed=False) for t in TOWNS
    ]
    rows += [
        dict(name=n, short_name=s, kind=DepartmentKind.PROVINCIAL.value, confirmed=False)
        for n, s in PROVINCIAL
    ]
    return rows
