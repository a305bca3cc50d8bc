// worker-client.js -- the page's side of the playground worker's protocol (protocol.js): requests
// by id with abort, events to listeners, and crash recovery, all from rpc.js. A worker that dies
// is replaced at once (listeners hear 'crash'); its module reloads itself after a trap (the worker
// posts 'trap'), so the page never needs a reload.
import { WorkerRpc } from './rpc.js';

export class WorkerClient extends WorkerRpc {
  constructor(url, { createWorker, hold = false, started = null } = {}) {
    super({ url, createWorker, name: 'the computation worker', abortType: 'abort', hold, started });
  }
}
