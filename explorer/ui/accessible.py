"""Page scripts that make Bokeh's widgets behave as a reader expects (run once the page is drawn, app.py).

Bokeh 3.9 draws a checkbox as <input> + <div>label</div>: the text neither names the box (screen readers and
`get_by_role("checkbox", name=...)` find no name) nor toggles it when clicked. CHECKBOX_LABELS_JS gives every
checkbox of the page, now and drawn later (a tab's first visit, a card opened), its label as accessible name
and makes the label text a click target.
"""

CHECKBOX_LABELS_JS = """
const fix = (view) => {
  if (view.__explorer_labelled || view.checkbox_el == null || view.label_el == null) return;
  view.checkbox_el.setAttribute('aria-label', view.model.label);
  view.label_el.style.cursor = 'pointer';
  view.label_el.addEventListener('click', () => view._toggle_active());
  view.__explorer_labelled = true;
};
const patch = (proto) => {
  if (proto == null || proto.__explorer_labels) return;
  const render = proto.render;
  proto.render = function () { render.call(this); this.__explorer_labelled = false; fix(this); };
  proto.__explorer_labels = true;
};
// the view class itself, from Bokeh's model registry: checkboxes drawn later are named even when the first
// paint had none (app.py sends the sidebar after it)
const Checkbox = Bokeh.Models.get('Checkbox');
if (Checkbox != null && Checkbox.prototype.default_view != null) patch(Checkbox.prototype.default_view.prototype);
for (const doc of Bokeh.documents)
  for (const m of doc._all_models.values()) {
    if (m.type !== 'Checkbox' && m.constructor.__name__ !== 'Checkbox') continue;
    const view = Bokeh.index.find_one(m);
    if (view == null) continue;
    patch(Object.getPrototypeOf(view));
    fix(view);
  }
"""
