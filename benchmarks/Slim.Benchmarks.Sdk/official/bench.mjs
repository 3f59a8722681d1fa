// The official side of benchmarks/Slim.Benchmarks.Sdk: the official SLIM node and official SDK apps
// (@agntcy/slim-bindings 2.0.0-alpha.5, from tests/interop's install, which the C# program makes on demand), the same
// scenarios as the C# program, in one process.
//
//   node bench.mjs [--count 20000] [--seconds 10] [--rtt-count 1000] [--size 1024] [--window 128] [--warmup 1000]
//
// The node is the process's global service, built like a stock `slim` binary (strict: link keys and header MACs);
// every app gets its own service (its own data plane) connected to that node over h2c on 127.0.0.1, so all traffic
// goes through the node as between processes. Progress goes to stderr; the last stdout line is one JSON object with
// the results. Every loop stops at its message count or its time limit.
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '10' },
    'rtt-count': { type: 'string', default: '1000' },
    size: { type: 'string', default: '1024' },
    window: { type: 'string', default: '128' },
    warmup: { type: 'string', default: '1000' },
  },
});
const settings = {
  count: Number(args.count),
  seconds: Number(args.seconds),
  rttCount: Number(args['rtt-count']),
  size: Number(args.size),
  window: Number(args.window),
  warmup: Number(args.warmup),
};

const SECRET = 'slim-sdk-benchmark-shared-secret-0123456789';
const RELIABLE = { maxRetries: 5, interval: 1000 };
const log = (...parts) => process.stderr.write(`[official] ${parts.join(' ')}\n`);

const harness = path.resolve(import.meta.dirname, '../../../tests/interop');
const slim = await import(pathToFileURL(path.join(harness, 'node_modules/@agntcy/slim-bindings/index.js')).href);
const port = await freePort();
const bind = `127.0.0.1:${port}`;
const endpoint = `http://${bind}`;
slim.initializeWithConfigs(slim.newRuntimeConfig(), slim.newTracingConfigWith('error', false, false, []), [
  { nodeId: 'bench-node', dataplane: { servers: [slim.newInsecureServerConfig(bind)], clients: [] } },
]);
await waitForPort(port);
log(`node on ${endpoint}, version ${slim.getVersion()}`);

let nextApp = 0;
async function startApp(name) {
  const service = slim.createService(`bench-app-${nextApp++}`);
  const conn = await service.connectAsync(slim.newInsecureClientConfig(endpoint));
  const parts = name.split('/');
  const app = service.createAppWithSecret(new slim.Name(parts[0], parts[1], parts[2]), SECRET);
  await app.subscribeAsync(app.name(), conn);
  return { app, conn, name: new slim.Name(parts[0], parts[1], parts[2]) };
}

const payload = new Uint8Array(settings.size).fill(0x61).buffer;
const deadlineAfter = () => Date.now() + settings.seconds * 1000;

/** Publishes `count` messages keeping at most `window` unacknowledged (reliable) or unsent (best effort). */
async function publishWindowed(session, count, deadline) {
  const pending = [];
  let sent = 0;
  for (; sent < count && Date.now() < deadline; sent++) {
    pending.push(await session.publishAsync(payload, undefined, undefined));
    if (pending.length >= settings.window) {
      await pending.shift().waitAsync();
    }
  }
  for (const handle of pending) {
    await handle.waitAsync();
  }
  return sent;
}

/** Reads until `count` messages or the deadline; returns the count and the time of the last one. */
async function receive(session, count, deadline, idleMs) {
  let received = 0;
  let last = Date.now();
  while (received < count && Date.now() < deadline) {
    try {
      await session.getMessageAsync(idleMs);
      received++;
      last = Date.now();
    } catch {
      if (Date.now() - last >= idleMs) {
        break; // nothing more is coming
      }
    }
  }
  return { received, last };
}

async function pointToPoint(reliable, count, tag) {
  const sender = await startApp(`bench/${tag}/sender`);
  const receiver = await startApp(`bench/${tag}/receiver`);
  await sender.app.setRouteAsync(receiver.name, sender.conn);
  const config = { sessionType: slim.SessionType.PointToPoint, metadata: new Map(), ...(reliable ? RELIABLE : {}) };
  const { session, completion } = await sender.app.createSessionAsync(config, receiver.name);
  await completion.waitAsync();
  const incoming = await receiver.app.listenForSessionAsync(undefined);
  const deadline = deadlineAfter();
  const cpu = process.cpuUsage();
  const started = Date.now();
  const receiving = receive(incoming, count, deadline, reliable ? 5000 : 1000);
  const sent = await publishWindowed(session, count, deadline);
  const { received, last } = await receiving;
  const cpuSeconds = cpuSince(cpu);
  await sender.app.deleteSessionAndWaitAsync(session).catch(() => {});
  const seconds = Math.max(last - started, 1) / 1000;
  return { sent, received, seconds, rate: received / seconds, cpuSeconds };
}

async function requestReply(count, tag) {
  const client = await startApp(`bench/${tag}/client`);
  const server = await startApp(`bench/${tag}/server`);
  await client.app.setRouteAsync(server.name, client.conn);
  const { session, completion } = await client.app.createSessionAsync(
    { sessionType: slim.SessionType.PointToPoint, metadata: new Map(), ...RELIABLE }, server.name);
  await completion.waitAsync();
  const incoming = await server.app.listenForSessionAsync(undefined);
  let serving = true;
  const echo = (async () => {
    while (serving) {
      try {
        const request = await incoming.getMessageAsync(1000);
        await incoming.publishToAsync(request.context, request.payload, undefined, undefined);
      } catch {
        // timeout while idle, or the session closed
      }
    }
  })();
  const deadline = deadlineAfter();
  const latencies = [];
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const t0 = process.hrtime.bigint();
    await session.publishAsync(payload, undefined, undefined);
    await session.getMessageAsync(5000);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  serving = false;
  await client.app.deleteSessionAndWaitAsync(session).catch(() => {});
  await echo;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { count: latencies.length, p50: at(0.5), p99: at(0.99) };
}

async function fanOut(count, tag) {
  const moderator = await startApp(`bench/${tag}/moderator`);
  const members = [];
  for (let i = 0; i < 4; i++) {
    members.push(await startApp(`bench/${tag}/member-${i}`));
  }
  const { session, completion } = await moderator.app.createSessionAsync(
    { sessionType: slim.SessionType.Group, metadata: new Map(), ...RELIABLE }, new slim.Name('bench', tag, 'chat'));
  await completion.waitAsync();
  const joined = [];
  for (const member of members) {
    await moderator.app.setRouteAsync(member.name, moderator.conn);
    await session.inviteAndWaitAsync(member.name);
    joined.push(await member.app.listenForSessionAsync(undefined));
  }
  const deadline = deadlineAfter();
  const cpu = process.cpuUsage();
  const started = Date.now();
  const receiving = Promise.all(joined.map((s) => receive(s, count, deadline, 5000)));
  const sent = await publishWindowed(session, count, deadline);
  const results = await receiving;
  const cpuSeconds = cpuSince(cpu);
  await moderator.app.deleteSessionAndWaitAsync(session).catch(() => {});
  const received = results.reduce((sum, r) => sum + r.received, 0);
  const seconds = Math.max(Math.max(...results.map((r) => r.last)) - started, 1) / 1000;
  return { sent, received, seconds, rate: received / seconds, cpuSeconds };
}

log('warming up');
await pointToPoint(true, settings.warmup, 'w1');
await requestReply(Math.min(20, settings.rttCount), 'w2');

const results = {};
log('P2P reliable');
results.p2pReliable = await pointToPoint(true, settings.count, 'r');
log(`  ${results.p2pReliable.rate.toFixed(0)} msgs/s`);
log('P2P unreliable');
results.p2pUnreliable = await pointToPoint(false, settings.count, 'u');
log(`  ${results.p2pUnreliable.rate.toFixed(0)} msgs/s`);
log('request/reply');
results.requestReply = await requestReply(settings.rttCount, 'q');
log(`  p50 ${results.requestReply.p50.toFixed(2)} ms, p99 ${results.requestReply.p99.toFixed(2)} ms`);
log('group fan-out 1->4');
results.fanOut = await fanOut(settings.count, 'g');
log(`  ${results.fanOut.rate.toFixed(0)} deliveries/s`);

process.stdout.write(`${JSON.stringify({ version: slim.getVersion(), settings, results })}\n`);
process.exit(0);

/** CPU seconds (user + system, every thread of the process: the node, the apps' native cores, JS) since `start`. */
function cpuSince(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
}

async function waitForPort(p) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(p, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the node did not listen on ${p}`);
}
