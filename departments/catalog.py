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


def departments() -> list[dict]:
    """Every department as fixture fields, in a stable order."""
    rows = [dict(name=n, short_name=s, kind=k.value, confirmed=True) for n, s, k in CONFIRMED]
    for name in STANDARD_GOVERNMENT:
        full = f"太仓{name}" if name.startswith("市") else f"太仓市{name}"
        rows.append(dict(name=full, short_name=name, kind=DepartmentKind.GOVERNMENT.value, confirmed=False))
    rows += [
        dict(name=f"太仓市{t}", short_name=t, kind=DepartmentKind.TOWN.value, confirmed=False) for t in TOWNS
    ]
    rows += [
        dict(name=n, short_name=s, kind=DepartmentKind.PROVINCIAL.value, confirmed=False)
        for n, s in PROVINCIAL
    ]
    return rows
