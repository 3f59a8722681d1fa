// One official SLIM app (npm @agntcy/slim-bindings, from tests/interop's install) for the node benchmark.
//
//   node worker.mjs        (started by load.mjs: commands on stdin, one JSON object per line)
//
// Replies go to the descriptor named by SLIM_HARNESS_OUT_FD (load.mjs passes a pipe as fd 3), because the native core
// logs to fd 1. Each command gets one reply {id, ok, result} or {id, ok: false, error}.
//
// Payload layout of every benchmark message: bytes 0-3 run id (u32 LE), byte 4 kind (0 data, 1 request, 2 reply),
// bytes 5-8 sequence number (u32 LE), then filler up to the message size. Receivers count data and requests per run
// and answer requests with publishTo; senders match replies to their requests.
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describeError, emit } from '../../tests/interop/lib/output.mjs';

const harness = path.resolve(import.meta.dirname, '../../tests/interop');
const slim = await import(pathToFileURL(path.join(harness, 'node_modules/@agntcy/slim-bindings/index.js')).href);
slim.initializeWithConfigs(slim.newRuntimeConfig(), slim.newTracingConfigWith('error', false, false, []), [slim.newServiceConfig()]);
const service = slim.getGlobalService();

const now = () => performance.timeOrigin + performance.now();
const KIND_DATA = 0;
const KIND_REQUEST = 1;
const KIND_REPLY = 2;

let app;
let connection;
const sessions = new Map(); // key -> session
const runs = new Map(); // run id -> { count, first, last }
const waitingReplies = new Map(); // sequence -> resolve

function parseName(text) {
  const parts = text.split('/');
  return parts.length === 4 ? slim.Name.newWithId(parts[0], parts[1], parts[2], parts[3]) : new slim.Name(parts[0], parts[1], parts[2]);
}

function message(size, run, kind, sequence) {
  const buffer = new ArrayBuffer(Math.max(size, 9));
  const view = new DataView(buffer);
  view.setUint32(0, run, true);
  view.setUint8(4, kind);
  view.setUint32(5, sequence, true);
  return buffer;
}

async function receiveLoop(session) {
  for (;;) {
    let received;
    try {
      received = await session.getMessageAsync(undefined);
    } catch {
      return; // closed (or a notice we do not need)
    }
    const payload = received.payload;
    if (payload.byteLength < 9) {
      continue;
    }
    const view = new DataView(payload);
    const run = view.getUint32(0, true);
    const kind = view.getUint8(4);
    const sequence = view.getUint32(5, true);
    if (kind === KIND_REPLY) {
      const resolve = waitingReplies.get(sequence);
      if (resolve) {
        waitingReplies.delete(sequence);
        resolve();
      }
      continue;
    }
    const at = now();
    let stats = runs.get(run);
    if (!stats) {
      stats = { count: 0, first: at, last: at };
      runs.set(run, stats);
    }
    stats.count++;
    stats.last = at;
    if (kind === KIND_REQUEST) {
      const reply = payload.slice(0);
      new DataView(reply).setUint8(4, KIND_REPLY);
      session.publishToAsync(received.context, reply, undefined, undefined).catch(() => {});
    }
  }
}

async function listenLoop() {
  for (;;) {
    try {
      void receiveLoop(await app.listenForSessionAsync(undefined));
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const commands = {
  async init(cmd) {
    app = service.createAppWithSecret(parseName(cmd.name), cmd.secret);
    connection = await service.connectAsync(slim.newInsecureClientConfig(cmd.endpoint));
    await app.subscribeAsync(app.name(), connection);
    void listenLoop();
    return { id: app.name().id() };
  },

  async route(cmd) {
    await app.setRouteAsync(parseName(cmd.name), connection);
    return {};
  },

  async open(cmd) {
    const config = {
      sessionType: cmd.type === 'group' ? slim.SessionType.Group : slim.SessionType.PointToPoint,
      maxRetries: cmd.reliable ? 10 : undefined,
      interval: cmd.reliable ? 1000 : undefined,
      metadata: new Map(),
      mlsSettings: undefined,
    };
    const { session, completion } = await app.createSessionAsync(config, parseName(cmd.destination));
    await completion.waitAsync();
    for (const member of cmd.invite ?? []) {
      await session.inviteAndWaitAsync(parseName(member));
    }
    sessions.set(cmd.key, session);
    void receiveLoop(session);
    return {};
  },

  // Publishes up to `count` messages within `seconds`, keeping at most `window` unacknowledged (0: no waiting).
  async blast(cmd) {
    const session = sessions.get(cmd.key);
    const start = now();
    const deadline = start + cmd.seconds * 1000;
    const inflight = [];
    let sent = 0;
    let failed = 0;
    while (sent < cmd.count && now() < deadline) {
      const handle = await session.publishAsync(message(cmd.size, cmd.run, KIND_DATA, sent), undefined, undefined);
      sent++;
      if (cmd.window > 0) {
        inflight.push(handle.waitAsync().catch(() => { failed++; }));
        if (inflight.length >= cmd.window) {
          await inflight.shift();
        }
      }
    }
    const published = now();
    await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 15_000))]);
    return { sent, failed, start, published, acked: now() };
  },

  // Request/reply round trips, one at a time, up to `count` within `seconds`.
  async ping(cmd) {
    const session = sessions.get(cmd.key);
    const deadline = now() + cmd.seconds * 1000;
    const rtts = [];
    let timeouts = 0;
    for (let i = 0; i < cmd.count && now() < deadline; i++) {
      const sequence = cmd.run * 1_000_000 + i;
      const replied = new Promise((resolve) => waitingReplies.set(sequence >>> 0, resolve));
      const t0 = now();
      await session.publishAsync(message(cmd.size, cmd.run, KIND_REQUEST, sequence >>> 0), undefined, undefined);
      const outcome = await Promise.race([replied.then(() => 'ok'), new Promise((r) => setTimeout(() => r('timeout'), 2_000))]);
      if (outcome === 'ok') {
        rtts.push(now() - t0);
      } else {
        waitingReplies.delete(sequence >>> 0);
        timeouts++;
      }
    }
    rtts.sort((a, b) => a - b);
    return { count: rtts.length, timeouts, p50: percentile(rtts, 50), p90: percentile(rtts, 90), p99: percentile(rtts, 99), max: rtts.at(-1) ?? null };
  },

  async stats(cmd) {
    return runs.get(cmd.run) ?? { count: 0, first: null, last: null };
  },

  async close(cmd) {
    const session = sessions.get(cmd.key);
    sessions.delete(cmd.key);
    await Promise.race([app.deleteSessionAndWaitAsync(session), new Promise((r) => setTimeout(r, 3_000))]);
    return {};
  },

  async exit() {
    setImmediate(() => process.exit(0));
    return {};
  },
};

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', async (line) => {
  const cmd = JSON.parse(line);
  try {
    emit({ id: cmd.id, ok: true, result: await commands[cmd.cmd](cmd) });
  } catch (err) {
    emit({ id: cmd.id, ok: false, ...describeError(err) });
  }
});
input.on('close', () => process.exit(0));
emit({ event: 'ready', pid: process.pid });
