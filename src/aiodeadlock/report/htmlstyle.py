"""The HTML report's stylesheet: light and dark colours, the graph's look, source excerpts."""

from __future__ import annotations

from aiodeadlock.report.svg import CAPTION_SIZE, DETAIL_SIZE, LABEL_SIZE, NAME_SIZE

STYLE = f"""
:root {{
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --task: #ddf4ff; --task-edge: #0969da; --res: #fff8c5; --res-edge: #9a6700;
  --cycle: #cf222e; --cycle-soft: #ffebe9; --potential: #bc4c00; --potential-soft: #fff1e5;
  --grey: #8c959f; --grey-soft: #f6f8fa; --arrow: #57606a; --named: #fff8c5;
  --ok: #1a7f37; --ok-soft: #dafbe1;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas,
    "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif;
}}
@media (prefers-color-scheme: dark) {{
  :root {{
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
    --task: #0d2a52; --task-edge: #4493f8; --res: #2e2610; --res-edge: #d29922;
    --cycle: #ff7b72; --cycle-soft: #3c1618; --potential: #f0883e; --potential-soft: #3d1d05;
    --grey: #6e7681; --grey-soft: #161b22; --arrow: #9198a1; --named: #3a3210;
    --ok: #3fb950; --ok-soft: #0f2d18;
  }}
}}
* {{ box-sizing: border-box; }}
body {{
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 var(--sans);
}}
header.page, main, footer {{ max-width: 1160px; margin: 0 auto; padding: 0 24px; }}
header.page {{ padding-top: 20px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }}
h3 {{ font-size: 16px; margin: 0 0 6px; }}
h4 {{ font-size: 14px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }}
code, pre, .mono {{ font-family: var(--mono); font-size: 13px; }}
a {{ color: var(--task-edge); }}
.summary {{ font-size: 17px; font-weight: 600; margin: 6px 0 12px; padding: 8px 12px;
  border-radius: 6px; border-left: 4px solid var(--cycle); background: var(--cycle-soft); }}
.summary.clean {{ border-color: var(--ok); background: var(--ok-soft); }}
.summary.potential {{ border-color: var(--potential); background: var(--potential-soft); }}
.summary a {{ color: inherit; }}
dl.run {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0;
  font-size: 13px; }}
dl.run dt {{ color: var(--muted); }}
dl.run dd {{ margin: 0; overflow-wrap: anywhere; }}
.finding {{ border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px;
  margin: 14px 0 22px; border-top: 4px solid var(--cycle); }}
.finding.potential {{ border-top-color: var(--potential);
  --cycle: var(--potential); --cycle-soft: var(--potential-soft); }}
.kind {{ color: var(--muted); font-size: 13px; margin: 0 0 4px; }}
.badge {{ display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: var(--bg); background: var(--cycle); }}
.verdict {{ font-size: 16px; font-weight: 600; margin: 2px 0 6px; overflow-wrap: anywhere; }}
.caught {{ margin: 0 0 10px; color: var(--muted); }}
.notes {{ margin: 6px 0; padding-left: 20px; }}
figure.graph {{ margin: 10px 0; }}
.scroll {{ overflow-x: auto; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); padding: 4px; }}
figcaption {{ font-size: 12.5px; color: var(--muted); margin-top: 6px; display: flex;
  flex-wrap: wrap; gap: 4px 16px; }}
.key {{ display: inline-flex; align-items: center; gap: 6px; }}
.swatch {{ display: inline-block; width: 22px; height: 12px; border-radius: 3px;
  border: 2px solid var(--arrow); }}
.swatch.task {{ background: var(--task); border-color: var(--task-edge); border-radius: 6px; }}
.swatch.resource {{ background: var(--res); border-color: var(--res-edge); }}
.swatch.cycle {{ background: var(--cycle-soft); border-color: var(--cycle); }}
.swatch.collateral {{ background: var(--grey-soft); border-color: var(--grey); }}
.swatch.wait, .swatch.hold {{ height: 0; border-width: 2px 0 0; border-radius: 0; }}
.swatch.hold {{ border-top-style: dashed; }}
.left-out {{ font-size: 13.5px; color: var(--muted); }}
svg.graph {{ display: block; margin: 0 auto; font-family: var(--mono); }}
svg.graph .node rect {{ fill: var(--task); stroke: var(--task-edge); stroke-width: 1.5; }}
svg.graph .node.resource rect {{ fill: var(--res); stroke: var(--res-edge); }}
svg.graph .node rect.inner {{ fill: none; stroke-width: 1; }}
svg.graph .node.cycle rect {{ stroke: var(--cycle); stroke-width: 2.5; }}
svg.graph .node.cycle rect.inner {{ stroke-width: 1; }}
svg.graph .node.collateral rect {{ fill: var(--grey-soft); stroke: var(--grey); }}
svg.graph .node.ended rect {{ stroke-dasharray: 6 3; }}
svg.graph .node text {{ fill: var(--fg); }}
svg.graph .node.collateral text {{ fill: var(--grey); }}
svg.graph .caption {{ font-size: {CAPTION_SIZE}px; fill: var(--muted); }}
svg.graph .node .caption {{ fill: var(--muted); }}
svg.graph .name {{ font-size: {NAME_SIZE}px; font-weight: 700; }}
svg.graph .detail {{ font-size: {DETAIL_SIZE}px; }}
svg.graph .arrow {{ fill: none; stroke: var(--arrow); stroke-width: 1.5; }}
svg.graph .arrow.hold {{ stroke-dasharray: 7 4; }}
svg.graph .arrow.cycle {{ stroke: var(--cycle); stroke-width: 2.5; }}
svg.graph .arrow.collateral {{ stroke: var(--grey); stroke-width: 1.2; }}
svg.graph .head {{ fill: var(--arrow); }}
svg.graph .head.cycle {{ fill: var(--cycle); }}
svg.graph .head.collateral {{ fill: var(--grey); }}
svg.graph .label text {{ font-size: {LABEL_SIZE}px; fill: var(--fg); }}
svg.graph .label .verb {{ fill: var(--muted); }}
svg.graph .label.cycle .place {{ fill: var(--cycle); font-weight: 700; }}
svg.graph .label.collateral text {{ fill: var(--grey); }}
svg.graph .label-bg {{ fill: var(--bg); opacity: .85; }}
.file {{ margin: 8px 0 12px; }}
.file-name {{ font-family: var(--mono); font-size: 12.5px; color: var(--muted); margin: 0 0 2px;
  overflow-wrap: anywhere; }}
table.source {{ border-collapse: collapse; width: 100%; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; font-family: var(--mono);
  font-size: 13px; }}
table.source + table.source {{ margin-top: 6px; }}
table.source td {{ padding: 0 10px; vertical-align: top; }}
table.source td.number {{ width: 1%; text-align: right; color: var(--muted);
  user-select: none; white-space: nowrap; }}
table.source td.code {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
table.source tr.named td {{ background: var(--named); }}
table.source tr.named td.code {{ font-weight: 600; }}
table.source tr.note td {{ font-family: var(--sans); font-size: 12.5px; color: var(--cycle);
  padding-bottom: 3px; background: var(--named); }}
table.source tr.note.context td {{ color: var(--muted); }}
.missing {{ color: var(--muted); font-style: italic; }}
details.task {{ border: 1px solid var(--line); border-radius: 6px; margin: 6px 0;
  padding: 4px 10px; }}
details.task > summary {{ cursor: pointer; }}
details.task.cycle {{ border-left: 4px solid var(--cycle); }}
details.task.collateral {{ color: var(--muted); }}
ol.stack {{ margin: 6px 0; padding-left: 26px; font-size: 13.5px; }}
ol.stack code.line {{ display: block; color: var(--muted); white-space: pre-wrap; }}
.empty {{ color: var(--muted); }}
footer {{ color: var(--muted); font-size: 12.5px; padding-top: 12px; padding-bottom: 24px; }}
"""
