"""Excel import/export: a round trip restores the catalog; a bad file names every problem and writes nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from onewindow.audit.models import AuditEvent
from onewindow.catalog import services, spreadsheet
from onewindow.catalog.choices import Audience, GuideStatus
from onewindow.catalog.models import GuideVersion, Material, ServiceItem, Topic
from onewindow.org.models import Section
from onewindow.testing import credit_code, make_item

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM_IGNORED = {"id", "department", "section", "topics", "updated_at", "published_version"}


def counts() -> tuple[int, int, int, int]:
    return (ServiceItem.objects.count(), Material.objects.count(), GuideVersion.objects.count(),
            AuditEvent.objects.count())


def state() -> dict[str, tuple]:
    """Everything the spreadsheet carries, keyed by implementation code."""
    out = {}
    for item in ServiceItem.objects.prefetch_related("materials", "topics").select_related("department", "section"):
        fields = {k: v for k, v in model_to_dict(item).items() if k not in ITEM_IGNORED}
        materials = [{k: v for k, v in model_to_dict(m).items() if k not in {"id", "item", "blank_form", "sample"}}
                     for m in item.materials.all()]
        out[item.implementation_code] = (fields, item.department.credit_code, item.section.code if item.section else "",
                                         sorted(t.code for t in item.topics.all()), materials)
    return out


def sheet_rows(content: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def workbook(items: list[dict], materials: list[dict]) -> bytes:
    """A workbook in the export layout; each row is a dict of header → value."""
    wb = Workbook()
    ws = wb.active
    ws.title = spreadsheet.ITEM_SHEET
    headers = [c.header for c in spreadsheet.ITEM_COLUMNS]
    ws.append(headers)
    for row in items:
        ws.append([row.get(h, "") for h in headers])
    ms = wb.create_sheet(spreadsheet.MATERIAL_SHEET)
    headers = [c.header for c in spreadsheet.MATERIAL_COLUMNS]
    ms.append(headers)
    for row in materials:
        ms.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def item_row(department, basic_code: str, **overrides) -> dict:
    row = {"实施编码": department.credit_code + "4" + basic_code, "基本编码": basic_code, "事项名称": "食品经营许可",
           "事项类型": "行政许可", "行使层级": "4", "实施主体信用代码": department.credit_code, "承办科室编码": "main",
           "服务对象": "1，2", "办件类型": "承诺件", "法定时限": 20, "承诺时限": 5, "补正计时": "pause",
           "审批方式": "single", "是否收费": "否", "办理形式": "1,2", "到现场次数": 1, "支持预约": "是",
           "网上支付": "否", "物流快递": "是", "无休日办理": "否", "全县通办": "否"}
    row.update(overrides)
    return row


def material_row(code: str, name: str = "申请书", **overrides) -> dict:
    row = {"实施编码": code, "序号": 1, "材料名称": name, "原件份数": 1, "复印件份数": 0, "是否必备": "必要",
           "材料形式": "原件", "来源渠道": "申请人自备"}
    row.update(overrides)
    return row


def refused(content: bytes, **kwargs) -> list[str]:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        spreadsheet.import_workbook(actor=None, content=content, **kwargs)
    assert counts() == before, "a refused import must write nothing"
    return caught.value.messages


@pytest.fixture
def topic(db):
    return Topic.objects.create(code="open-business", name="开办企业", audience=Audience.ENTERPRISE)


def test_an_export_imported_again_restores_items_and_materials(department, other_department, topic):
    make_item(department, basic_code="000000000001", publish=False, fee_required=True, fee_basis="《收费标准》第3条",
              fee_description="每件 10 元", faq="问：要多久？\n答：5 个工作日。", keywords="餐饮 小卖部",
              place="一楼 3 号窗口", consult_phone="0571-12345678", county_wide=True)
    make_item(department, basic_code="000000000002", name="出生医学证明", promised_days=0, statutory_days=0,
              materials=3, target_groups=["1"])
    make_item(other_department, basic_code="000000000003", name="就业登记", publish=False, materials=0,
              handling_forms=["2", "3"])
    ServiceItem.objects.get(basic_code="000000000001").topics.add(topic)
    before = state()
    content = spreadsheet.export_workbook(ServiceItem.objects.all())

    Material.objects.all().delete()
    GuideVersion.objects.all().delete()
    ServiceItem.objects.all().delete()
    result = spreadsheet.import_workbook(actor=None, content=content, publish=False)

    assert (result.created, result.updated, result.materials, result.published) == (3, 0, 5, 0)
    assert state() == before
    assert sheet_rows(spreadsheet.export_workbook(ServiceItem.objects.all())) == sheet_rows(content)
    assert not GuideVersion.objects.exists()


def test_an_import_updates_by_implementation_code_replaces_materials_and_publishes(department, catalog_admin):
    item = make_item(department)  # v1 with two materials
    rows = [material_row(item.implementation_code, "新版申请书")]
    content = workbook([item_row(department, item.basic_code, 事项名称="食品经营许可（告知承诺）")], rows)
    result = spreadsheet.import_workbook(actor=catalog_admin, content=content)
    assert (result.created, result.updated, result.materials, result.published) == (0, 1, 1, 1)
    item.refresh_from_db()
    assert item.name == "食品经营许可（告知承诺）"
    assert list(item.materials.values_list("name", flat=True)) == ["新版申请书"]
    guide = GuideVersion.objects.get(item=item, status=GuideStatus.PUBLISHED)
    assert guide.number == 2
    assert [m["name"] for m in guide.snapshot["materials"]] == ["新版申请书"]
    assert AuditEvent.objects.filter(action="catalog_imported", actor=catalog_admin).count() == 1


def test_an_import_with_errors_in_several_rows_names_every_one_and_writes_nothing(department, other_department):
    existing = make_item(department, basic_code="000000000009")
    good = item_row(department, "000000000001")
    content = workbook(
        [
            good,                                                                      # row 2: fine
            item_row(department, "000000000002", 实施编码="BAD-CODE"),                 # row 3
            item_row(department, "000000000003", 实施编码=credit_code(77) + "4000000000003",
                     实施主体信用代码=credit_code(77)),                                 # row 4: unknown department
            item_row(department, "000000000004", 法定时限=10, 承诺时限=15),            # row 5
            dict(good, 事项名称="重复的事项"),                                          # row 6: duplicate of row 2
            item_row(department, "000000000006", 是否收费="也许"),                     # row 7: unparsable
            item_row(department, "000000000007", 承办科室编码="nowhere"),              # row 8
            item_row(other_department, "000000000008"),                               # row 9: fine
        ],
        [
            material_row(good["实施编码"]),                                             # row 2: fine
            material_row(good["实施编码"], "身份证", 是否必备="看情况"),                  # row 3: bad necessity
            material_row(department.credit_code + "4000000000099"),                   # row 4: unknown item
            material_row(existing.implementation_code, "营业执照", 原件份数=0),          # row 5: no copy at all
            material_row(item_row(department, "000000000004")["实施编码"]),            # row 6: item of row 5
        ],
    )
    messages = refused(content)
    text = "\n".join(messages)

    def has(sheet: str, row: int, *words: str) -> bool:
        return any(f"工作表“{sheet}”第{row}行" in m and all(w in m for w in words) for m in messages)

    assert has("事项", 3, "实施编码"), text
    assert has("事项", 4, "找不到该统一社会信用代码的部门"), text
    assert has("事项", 5, "承诺时限: 承诺时限（15）不能超过法定时限（10）"), text
    assert has("事项", 6, "重复"), text
    assert has("事项", 7, "是否收费", "也许"), text
    assert has("事项", 8, "nowhere"), text
    assert has("材料", 3, "是否必备", "看情况"), text
    assert has("材料", 4, "不在事项表中"), text
    assert has("材料", 5, "原件份数: 纸质材料至少需要1份原件或复印件"), text
    assert not any(m.startswith(("工作表“事项”第2行", "工作表“事项”第9行", "工作表“材料”第2行")) for m in messages), text
    assert len(messages) == 9, text
    assert existing.materials.count() == 2


def test_an_item_row_with_an_error_does_not_also_blame_its_materials(department):
    bad = item_row(department, "000000000001", 法定时限=3, 承诺时限=5)
    messages = refused(workbook([bad], [material_row(bad["实施编码"])]))
    assert len(messages) == 1
    assert "工作表“事项”第2行" in messages[0]


@pytest.mark.parametrize("content", [
    b"",
    b"this is not a spreadsheet",
    "实施编码,事项名称\n123,食品经营许可\n".encode("gb18030"),
    b"%PDF-1.4 not excel",
])
def test_a_file_that_is_not_an_xlsx_is_refused_clearly(department, content):
    messages = refused(content)
    assert len(messages) == 1 and "无法读取 Excel 文件" in messages[0]


def test_a_zip_that_is_not_a_workbook_is_refused_clearly(department):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    assert "无法读取 Excel 文件" in refused(buffer.getvalue())[0]


def test_a_workbook_without_the_material_sheet_or_with_missing_columns_is_refused(department):
    wb = Workbook()
    wb.active.title = spreadsheet.ITEM_SHEET
    wb.active.append(["实施编码", "事项名称"])
    wb.active.append(["x", "y"])
    buffer = io.BytesIO()
    wb.save(buffer)
    messages = refused(buffer.getvalue())
    assert any("缺少工作表“材料”" in m for m in messages)
    assert any("工作表“事项”缺少列" in m and "基本编码" in m for m in messages)


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(department):
    content = workbook([item_row(department, "000000000001")], [])
    with override_settings(MAX_UPLOAD_BYTES=len(content) - 1):
        messages = refused(content)
    assert len(messages) == 1 and "文件过大" in messages[0]
    with override_settings(MAX_UPLOAD_BYTES=len(content)):
        assert spreadsheet.import_workbook(actor=None, content=content).created == 1


def test_a_reimport_keeps_unchanged_materials_with_their_ids_and_uploaded_forms(department, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = make_item(department)
    form = item.materials.get(order=0)
    form.blank_form = SimpleUploadedFile("blank.pdf", b"%PDF-1.4 blank form")
    services.save_material(actor=None, material=form)
    services.publish_guide(actor=None, item=item)
    ids = list(item.materials.values_list("pk", flat=True))

    spreadsheet.import_workbook(actor=None, content=spreadsheet.export_workbook(ServiceItem.objects.all()))
    assert list(item.materials.values_list("pk", flat=True)) == ids
    assert item.materials.get(order=0).blank_form.name == form.blank_form.name
    assert ServiceItem.objects.get(pk=item.pk).published_version == 2  # v2 came from the upload, not the import


def test_a_material_left_out_of_the_sheet_is_removed(department):
    item = make_item(department, materials=3)
    content = workbook([item_row(department, item.basic_code)], [material_row(item.implementation_code, "营业执照复印件")])
    spreadsheet.import_workbook(actor=None, content=content)
    assert list(item.materials.values_list("name", flat=True)) == ["营业执照复印件"]


def test_blank_rows_are_skipped(department):
    content = workbook([{}, item_row(department, "000000000001"), {}], [{}, material_row(
        department.credit_code + "4000000000001")])
    result = spreadsheet.import_workbook(actor=None, content=content, publish=False)
    assert (result.created, result.materials) == (1, 1)
    assert ServiceItem.objects.get().section == Section.objects.get(department=department, code="main")


def test_an_import_can_publish_then_a_second_identical_import_changes_nothing_visible(department):
    content = workbook([item_row(department, "000000000001")], [material_row(department.credit_code + "4000000000001")])
    spreadsheet.import_workbook(actor=None, content=content)
    spreadsheet.import_workbook(actor=None, content=content)
    item = ServiceItem.objects.get()
    assert item.published_version == 1
    assert GuideVersion.objects.filter(item=item).count() == 1
    assert services.current_guide(item).snapshot["materials"][0]["name"] == "申请书"


def test_the_admin_export_view_returns_a_workbook(department, superuser, client):
    make_item(department)
    client.force_login(superuser)
    response = client.get("/admin/catalog/serviceitem/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows["事项"][1][2] == "食品经营许可"
    assert [r[2] for r in rows["材料"][1:]] == ["营业执照复印件", "法定代表人身份证明"]


def test_the_admin_import_view_shows_every_error_and_writes_nothing(department, superuser, client):
    content = workbook(
        [item_row(department, "000000000001"), item_row(department, "000000000002", 法定时限=1, 承诺时限=9)],
        [material_row("NOPE")],
    )
    client.force_login(superuser)
    before = counts()
    upload = io.BytesIO(content)
    upload.name = "目录.xlsx"
    response = client.post("/admin/catalog/serviceitem/import/", {"file": upload, "publish": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-errors"' in page and "未写入任何数据" in page
    assert "工作表“事项”第3行" in page and "承诺时限（9）不能超过法定时限（1）" in page
    assert "工作表“材料”第2行" in page and "NOPE" in page
    assert counts() == before


def test_the_admin_import_view_refuses_a_huge_or_foreign_file(department, superuser, client):
    client.force_login(superuser)
    before = counts()
    with override_settings(MAX_UPLOAD_BYTES=100):
        big = io.BytesIO(workbook([item_row(department, "000000000001")], []))
        big.name = "catalog.xlsx"
        response = client.post("/admin/catalog/serviceitem/import/", {"file": big})
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    foreign = io.BytesIO(b"a,b\n")
    foreign.name = "catalog.csv"
    response = client.post("/admin/catalog/serviceitem/import/", {"file": foreign})
    assert "只接受 .xlsx 文件" in response.content.decode()
    assert counts() == before


def test_the_admin_import_view_imports_a_good_file_and_redirects(department, superuser, client):
    client.force_login(superuser)
    upload = io.BytesIO(workbook([item_row(department, "000000000001")], [
        material_row(department.credit_code + "4000000000001")]))
    upload.name = "catalog.xlsx"
    response = client.post("/admin/catalog/serviceitem/import/", {"file": upload, "publish": "on"})
    assert response.status_code == 302
    assert ServiceItem.objects.get().published_version == 1
    assert AuditEvent.objects.filter(action="catalog_imported", actor=superuser).exists()


def test_a_clerk_cannot_import(department, clerk, client):
    client.force_login(clerk)
    upload = io.BytesIO(workbook([item_row(department, "000000000001")], []))
    upload.name = "catalog.xlsx"
    response = client.post("/admin/catalog/serviceitem/import/", {"file": upload})
    assert response.status_code == 302
    assert not ServiceItem.objects.exists()
