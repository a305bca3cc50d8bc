// imports.js -- what the page shows when the engine refuses an imported file: the engine names
// the line of a data CSV ("data CSV line 3, column 2 ...") or the byte of a params JSON
// ("params JSON, byte 65: ..."); the page shows that part of the file next to its input, so the
// problem can be seen without opening the file elsewhere. The file itself is kept.

// The part of `text` a message is about, or '' (pure: node tests import it).
export function fileExcerpt(text, message) {
  const line = /^data CSV line (\d+)/.exec(message);
  const byte = /^params JSON, byte (\d+)/.exec(message);
  if (line) {
    const n = Number(line[1]);
    const lines = String(text).split(/\r?\n/);
    return n >= 1 && n <= lines.length ? `line ${n}: ${lines[n - 1].slice(0, 300)}` : '';
  }
  if (byte) {
    const b = Math.min(Number(byte[1]), text.length);
    const from = Math.max(0, b - 60);
    return `bytes ${from}-${Math.min(text.length, b + 60)}: ${text.slice(from, b)} ⟨here⟩ ${text.slice(b, b + 60)}`;
  }
  return '';
}

// Show (msg) or clear (null) the problem of a file in its box. Text only.
export function showFileProblem(box, { name, text, message }) {
  box.replaceChildren();
  box.hidden = !message;
  if (!message) return;
  const head = document.createElement('p');
  head.textContent = `${name || 'The file'}: ${message}`;
  box.append(head);
  const excerpt = fileExcerpt(text || '', message);
  if (excerpt) {
    const pre = document.createElement('pre');
    pre.className = 'file-line';
    pre.textContent = excerpt;
    box.append(pre);
  }
  const hint = document.createElement('p');
  hint.className = 'help';
  hint.textContent = 'The file is kept: fix it and choose it again, or change the settings, then press “Apply and run”.';
  box.append(hint);
}
