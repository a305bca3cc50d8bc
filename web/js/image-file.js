// image-file.js -- the real-image file (data=fashion_mnist) in a worker: fetched once, when a
// config first needs it, and opened in the module instance the runs live in. An open file lives
// in that instance's memory, so a renewed instance opens the bytes at hand again (synchronously:
// a reset answered after the page's next request would find no run). A missing or damaged file
// is an engine error naming the file, and the next use fetches it again.
import { Images, EngineError } from './engine.js';

export class ImageFile {
  // url: where the file is; ibp: () -> the current module instance.
  constructor(url, ibp) {
    this.url = url;
    this.ibp = ibp;
    this.bytes = null;   // Promise<Uint8Array> while it is fetched; the Uint8Array once it is here
    this.images = null;  // Images (engine.js), valid while openIn is the current instance
    this.openIn = null;
  }

  // Open in the current instance: undefined when done now, else a promise of it.
  open() {
    if (this.images && this.openIn === this.ibp()) return undefined;
    if (this.bytes instanceof Uint8Array) { this.#openBytes(this.bytes); return undefined; }
    if (!this.bytes) {
      this.bytes = fetch(this.url).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.arrayBuffer();
      }).then((b) => new Uint8Array(b));
    }
    return this.bytes.then((bytes) => {
      this.bytes = bytes;
      this.#openBytes(bytes);
    }, (e) => {
      this.bytes = null;
      throw new EngineError(`data=fashion_mnist needs the image file data/fashion-mnist.ibpi, and it could not be loaded (${e && e.message ? e.message : e}); check the connection and reload the page`, -2);
    });
  }

  // The open file for the current instance, or null.
  current() { return this.openIn === this.ibp() ? this.images : null; }

  // The instance it lived in is gone.
  lost() { this.images = this.openIn = null; }

  #openBytes(bytes) {
    if (this.images && this.openIn === this.ibp()) return;
    try {
      this.images = Images.open(this.ibp(), bytes);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      this.bytes = null;
      throw new EngineError(`the image file data/fashion-mnist.ibpi is damaged: ${e.message}; reload the page to fetch it again`, e.code);
    }
    this.openIn = this.ibp();
  }
}
