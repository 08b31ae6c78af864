"""The look shared by the dashboard's figures: quiet grey axes and grid, no Bokeh logo."""


def style_figure(fig) -> None:
    fig.toolbar.logo = None
    fig.grid.grid_line_color = "#eef0f2"
    fig.axis.axis_line_color = fig.axis.major_tick_line_color = "#c8ccd0"
    fig.axis.minor_tick_line_color = None
    fig.axis.major_label_text_color = "#80868b"
    fig.outline_line_color = "#dadce0"
