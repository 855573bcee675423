"""The page-reading helper of the tests (tests/html.py) against hand-written markup."""

import pytest
from django.http import HttpResponse

from .html import parse

PAGE = """<!doctype html>
<html><head><title>T</title><script>var x = "<td>not text</td>";</script></head>
<body>
<nav><ul class="navbar-nav">
  <li class="nav-item"><a class="nav-link" href="/">区域</a></li>
  <li class="nav-item"><a class="nav-link active" href="/cadres/">干部</a></li>
</ul></nav>
<div class="alert alert-success" role="alert">已保存。</div>
<div class="alert alert-info">  暂无
   数据 </div>
<table class="table area-tree" id="tree">
  <thead><tr><th></th><th>区域</th><th class="num">户数</th></tr></thead>
  <tbody>
    <tr><td>▸</td><td><a href="/areas/1/">娜允镇</a> <span class="badge">乡镇</span></td>
        <td>5</td></tr>
    <tr class="p-0"><td colspan="3"><table id="sub-1"><tr><td>nested</td></tr></table></td></tr>
    <tr><td></td><td>勐马镇</td><td>2</td></tr>
  </tbody>
</table>
<form>
  <div class="alert alert-danger">
    <ul class="errorlist nonfield"><li>第一条</li><li>第二条</li></ul></div>
  <select name="cadre" class="form-select is-invalid">
    <option value="">---------</option>
    <option value="3" selected>岩温</option>
    <option value="4">玉香
  </select>
  <div class="invalid-feedback d-block">请选择干部。</div>
  <ul class="errorlist"><li>日期无效。</li></ul>
  <input type="checkbox" name="households" value="1" data-check-all="x" checked>
  <a class="page-link">上一页</a>
</form>
<p>one<p>two
</body></html>
"""


@pytest.fixture
def sample():
    return parse(PAGE)


def test_text_is_whitespace_normalised_and_leaves_out_scripts(sample):
    assert sample.find("div", class_="alert-info").text == "暂无 数据"
    assert sample.find("head").text == "T"
    assert sample.texts("p") == ["one", "two"]


def test_all_text_holds_scripts_and_attribute_values_too(sample):
    everything = sample.all_text
    assert "<td>not text</td>" in everything and "not text" not in sample.text
    assert "/cadres/" in everything and "navbar-nav" in everything
    assert "暂无 数据" in everything
    assert sample.find("a", text="干部").all_text == "nav-link active /cadres/ 干部"


def test_find_matches_tag_id_classes_and_attributes(sample):
    assert sample.find("a", class_="nav-link active").text == "干部"
    assert sample.find(id="tree").tag == "table"
    assert sample.find("input", data_check_all="x")["value"] == "1"
    assert sample.find("input", checked=True)["name"] == "households"
    assert sample.find("a", text="娜允镇")["href"] == "/areas/1/"
    assert sample.find_all("a", class_="nav-link missing") == []
    with pytest.raises(AssertionError, match="no element <table id='nowhere'>"):
        sample.find("table", id="nowhere")


def test_select_takes_an_id_or_classes(sample):
    assert sample.select("#sub-1").text == "nested"
    assert sample.select("table.area-tree") is sample.select("#tree")
    with pytest.raises(ValueError, match=r"name an element by #id or \.class"):
        sample.select("table")


def test_table_rows_are_the_body_rows_with_text_without_nested_tables(sample):
    assert sample.table_rows("#tree") == [["▸", "娜允镇 乡镇", "5"], ["", "勐马镇", "2"]]
    assert sample.table_rows(".area-tree") == sample.table_rows("#tree")
    assert sample.table_headers("#tree") == ["", "区域", "户数"]
    assert sample.table_rows("#sub-1") == [["nested"]]


def test_links_are_the_hrefs_in_order(sample):
    assert sample.find("ul", class_="navbar-nav").links() == ["/", "/cadres/"]
    assert "上一页" not in sample.texts("a", href=True)


def test_form_errors_give_one_entry_per_message(sample):
    assert sample.form_errors() == ["第一条", "第二条", "请选择干部。", "日期无效。"]


def test_options_and_selected(sample):
    assert sample.options("cadre") == [("", "---------"), ("3", "岩温"), ("4", "玉香")]
    assert sample.selected("cadre") == ["3"]
    with pytest.raises(AssertionError, match="0 selects named 'nothing'"):
        sample.options("nothing")


def test_messages_are_the_alerts(sample):
    assert sample.messages() == ["已保存。", "暂无 数据", "第一条第二条"]
    assert sample.messages("success") == ["已保存。"]


def test_parse_reads_a_response_in_its_charset():
    response = HttpResponse("<h1>芒街村</h1>".encode("gb18030"), charset="gb18030")
    assert parse(response).find("h1").text == "芒街村"
    assert parse(b"<h1>x</h1>").find("h1").text == "x"
