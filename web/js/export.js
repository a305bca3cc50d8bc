// export.js -- files out of the page: downloads of text and of chart images. A chart's PNG is its
// canvas at the screen's resolution on the page's background, with the chart title and the run's
// config written above it, so an image pasted into a paper or a slide says what it shows.

// Save text or a Blob under a file name (an <a download> click on an object URL).
export function download(name, body, type = 'text/plain;charset=utf-8') {
  const blob = body instanceof Blob ? body : new Blob([body], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The PNG of a canvas with a title line and a note line (the config) above it. scale: device
// pixels per CSS pixel of the canvas (default: measured on the page; give it for a canvas that
// is not in the document).
export function chartPng(canvas, title, note = '', { scale: given } = {}) {
  const cs = getComputedStyle(document.documentElement);
  const bg = cs.getPropertyValue('--bg').trim() || '#ffffff';
  const fg = cs.getPropertyValue('--fg').trim() || '#222222';
  const muted = cs.getPropertyValue('--muted').trim() || '#666666';
  const scale = given || canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const head = Math.round(44 * scale);
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height + head;
  const ctx = out.getContext('2d');
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = fg;
  ctx.font = `600 ${Math.round(14 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.fillText(title, Math.round(8 * scale), Math.round(6 * scale), out.width - 16 * scale);
  if (note) {
    ctx.fillStyle = muted;
    ctx.font = `${Math.round(11 * scale)}px ui-monospace, monospace`;
    ctx.fillText(note.length > 160 ? `${note.slice(0, 157)}...` : note, Math.round(8 * scale), Math.round(25 * scale), out.width - 16 * scale);
  }
  ctx.drawImage(canvas, 0, head);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the image could not be made'))), 'image/png'));
}
