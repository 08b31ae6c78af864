"""explorer/ui/compat.py, the speed patches: Bokeh's defaults kept once they are known to be immutable; property
checks off while a page is built, with Bokeh's conversions kept."""
from __future__ import annotations

import math

import panel as pn  # noqa: F401 - registers Panel's model classes, which the app's pages hold too
import pytest
from bokeh.core.property.bases import validation_on
from bokeh.document import Document
from bokeh.models import Column, Div, Model, Slider, Title
from bokeh.plotting import figure
from bokeh.themes import Theme

from explorer.serve.settings import Settings
from explorer.ui import compat as bokeh_speed


@pytest.fixture
def kept():
    assert bokeh_speed.remember_stable_defaults()
    yield
    bokeh_speed.forget_stable_defaults()


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _every_default(cls):
    for name in cls.properties():
        descriptor = cls.lookup(name)
        yield name, descriptor.property.themed_default(cls, name, None)


def test_every_model_class_gets_bokehs_own_defaults(kept):
    """Every property of every model class Bokeh and Panel register: the kept default equals the one Bokeh
    computes, also when read a second time (from the cache)."""
    classes = list(Model.model_class_reverse_map.values())
    assert len(classes) > 300  # Bokeh's and Panel's models are all there
    bokeh_speed.forget_stable_defaults()
    expected = {cls: dict(_every_default(cls)) for cls in classes}
    assert bokeh_speed.remember_stable_defaults()
    for _ in range(2):
        for cls in classes:
            for name, value in _every_default(cls):
                want = expected[cls][name]
                if bokeh_speed._immutable(want):
                    assert _same(value, want), (cls.__name__, name, value, want)
                elif isinstance(want, (list, dict, set, Model)):  # Bokeh's, made anew for each read as before
                    assert type(value) is type(want) and value is not want, (cls.__name__, name)
                    if not isinstance(want, Model):
                        assert len(value) == len(want), (cls.__name__, name)
                else:  # Bokeh's markers (Undefined, Intrinsic) and the like
                    assert value is want or type(value) is type(want), (cls.__name__, name)
    kept_values = [v for v in bokeh_speed._kept.values() if v is not bokeh_speed._BOKEHS]
    assert len(kept_values) > 5000


def test_mutable_defaults_stay_one_per_instance(kept):
    a, b = Column(), Column()
    assert a.children == [] and a.children is not b.children
    a.children.append(Div(text="x"))
    assert b.children == [] and Column().children == []
    assert a.css_classes is not b.css_classes


def test_a_theme_still_overrides_a_kept_default(kept):
    assert Title().text_font_size == "13px"  # the kept default...
    doc = Document()
    doc.theme = Theme(json={"attrs": {"Title": {"text_font_size": "21px"}}})
    title = Title()
    doc.add_root(figure(title=None))
    doc.roots[0].title = title
    assert title.text_font_size == "21px"  # ... loses to the document's theme, as in Bokeh
    doc.theme = Theme(json={})
    assert title.text_font_size == "13px"


def test_set_values_are_unaffected(kept):
    slider = Slider(start=0, end=10, value=3, step=1)
    assert slider.value == 3 and slider.title == ""
    slider.title = "Steps"
    assert slider.title == "Steps" and Slider(start=0, end=1, value=0, step=1).title == ""


def test_installing_twice_is_harmless(kept):
    assert bokeh_speed.remember_stable_defaults()
    assert Slider(start=0, end=1, value=0).bar_color == "#e6e6e6"


def test_quick_build_turns_validation_off_for_the_block_only(monkeypatch):
    monkeypatch.setattr(bokeh_speed, "SETTINGS", Settings(validate_properties=False))
    assert validation_on()
    with bokeh_speed.quick_build():
        assert not validation_on()
        Slider(start=0, end=1, value=0, step=1).title = 5  # not checked here; the views' tests check their values
    assert validation_on()
    with pytest.raises(ValueError):
        Slider(start=0, end=1, value=0, step=1).title = 5


def test_quick_build_keeps_bokehs_conversions(monkeypatch):
    """Issue 23: a figure built in quick_build kept its title as a string, and the first lesson's link was a
    blank page. Every conversion Bokeh makes of a value is made as with the checks on."""
    monkeypatch.setattr(bokeh_speed, "SETTINGS", Settings(validate_properties=False))
    with bokeh_speed.quick_build():
        assert not validation_on()
        fig = figure(title="Exact density")
        fig.xaxis.ticker = [0, 1, 2]  # a list becomes a FixedTicker
        slider = Slider(start=0, end=1, value=0, step=1, css_classes=("a", "b"))  # a tuple becomes a list
    assert isinstance(fig.title, Title) and fig.title.text == "Exact density"
    fig.title.update(text_font_size="13px")  # density_view._square did this, and raised
    assert fig.xaxis[0].ticker.ticks == [0, 1, 2]
    assert slider.css_classes == ["a", "b"] and isinstance(slider.css_classes, list)


def test_quick_build_can_keep_validation(monkeypatch):
    monkeypatch.setattr(bokeh_speed, "SETTINGS", Settings(validate_properties=True))
    with bokeh_speed.quick_build():
        assert validation_on()
