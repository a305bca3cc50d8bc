// imports.js -- the imported files (a data CSV for data=csv, initial parameters for init=file):
// read as text and kept (nothing is lost on an engine error); the engine validates them when a
// run is created. When it refuses one it names the line of a data CSV ("data CSV line 3, column
// 2 ...") or the byte of a params JSON ("params JSON, byte 65: ..."); the page shows that part of
// the file next to its input, so the problem can be seen without opening the file elsewhere.

const MAX_FILE_BYTES = 64 * 1024 * 1024;
const INPUTS = { dataCsv: ['data-file', 'data-file-status', 'data-file-problem'], initJson: ['init-file', 'init-file-status', 'init-file-problem'] };

export class ImportedFiles {
  // message(text, kind, { id }) and clearMessage(id): the page's alert area (status.js Messages)
  constructor({ message, clearMessage }) {
    this.text = { dataCsv: null, initJson: null }; // the files' text, for the next run
    this.names = { dataCsv: '', initJson: '' };
    this.message = message;
    this.clearMessage = clearMessage;
    for (const key of Object.keys(INPUTS)) this.wire(key);
  }

  wire(key) {
    const [inputId, statusId] = INPUTS[key];
    const input = document.getElementById(inputId), statusEl = document.getElementById(statusId);
    input.addEventListener('change', async () => {
      const f = input.files && input.files[0];
      this.clearMessage(`file-${key}`);
      this.problem(key, null);
      if (!f) { this.text[key] = null; return; }
      this.names[key] = f.name.slice(0, 80);
      if (f.size > MAX_FILE_BYTES) {
        input.value = '';
        this.text[key] = null;
        this.message(`${f.name.slice(0, 80)} is ${(f.size / 1048576).toFixed(1)} MiB: files up to ${MAX_FILE_BYTES / 1048576} MiB are read`, 'error', { id: `file-${key}` });
        return;
      }
      try {
        const text = await f.text();
        // an empty file would reach the engine as no file at all ("data=csv needs a CSV file"),
        // which reads as if the import had not happened: say what is wrong with this one
        if (!/\S/.test(text)) {
          this.text[key] = null;
          statusEl.textContent = `${this.names[key]} (${f.size} bytes) is not used.`;
          this.problem(key, `the file is empty: ${key === 'dataCsv' ? 'a data CSV needs a header line and at least one row' : 'a parameters JSON needs the arrays of every layer'}`);
          return;
        }
        this.text[key] = text;
        statusEl.textContent = `${f.name.slice(0, 80)} (${f.size} bytes) will be used by the next run.`;
      } catch {
        this.text[key] = null;
        this.message(`${f.name.slice(0, 80)} could not be read`, 'error', { id: `file-${key}` });
      }
    });
  }

  // Show (message) or clear (null) the engine's complaint about a file, next to its input.
  problem(key, message) {
    showFileProblem(document.getElementById(INPUTS[key][2]), { name: this.names[key], text: this.text[key], message });
  }
}

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
