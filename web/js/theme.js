// theme.js -- the page's colours, read from CSS custom properties (--series-1 ..., so dark mode is
// one stylesheet), and the one colour helper the canvases share.

export function readTheme(el = document.documentElement) {
  const cs = getComputedStyle(el);
  const v = (name, fb) => cs.getPropertyValue(name).trim() || fb;
  const series = [];
  for (let i = 1; i <= 8; i++) series.push(v(`--series-${i}`, '#1f77b4'));
  const flows = [];
  for (let i = 1; i <= 4; i++) flows.push(v(`--flow-${i}`, series[3 + i]));
  return {
    flows,
    fg: v('--fg', '#222'), muted: v('--muted', '#666'), grid: v('--grid', 'rgba(0,0,0,0.08)'),
    ref: v('--ref', '#c00'), event: v('--event', '#a0a'), series,
    bg: v('--bg', '#ffffff'), panel: v('--panel', '#f6f7f9'), border: v('--border', '#d5d9df'), accent: v('--accent', '#1f5fbf'),
    pos: v('--pos', '#0877bd'), neg: v('--neg', '#e8710a'),
  };
}

// #rrggbb with opacity a -> rgba(); other forms are returned as they are.
export function alpha(color, a) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})`;
}
