"""core.db.fixed_join_order and core.widgets.FastSelect: same answers, cheaper."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection

from onewindow.core.db import fixed_join_order
from onewindow.core.widgets import FastSelect


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲"), ("b", "<乙>")], required=False)
    fast = forms.ChoiceField(choices=[("", "全部"), ("a", "甲"), ("b", "<乙>")], required=False, widget=FastSelect)


def test_fast_select_renders_what_the_template_renders_escaped_and_selected():
    form = _Form({"plain": "b", "fast": "b"})
    fast, plain = str(form["fast"]), str(form["plain"])
    assert fast.replace("fast", "plain").split() == plain.split()
    assert '<option value="b" selected>&lt;乙&gt;</option>' in fast


def test_fast_select_falls_back_to_the_template_for_option_groups():
    widget = FastSelect(choices=[("组", [("a", "甲")])])
    assert "<optgroup" in widget.render("x", "a")


@pytest.mark.django_db
def test_fixed_join_order_is_local_to_the_block():
    if connection.vendor != "postgresql":
        with fixed_join_order():
            pass  # a no-op elsewhere
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        before = cursor.fetchone()[0]
        with fixed_join_order():
            cursor.execute("SHOW join_collapse_limit")
            assert cursor.fetchone()[0] == "1"
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == before
