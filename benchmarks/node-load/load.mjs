// Node benchmark load: drives official SLIM apps (npm @agntcy/slim-bindings@2.0.0-alpha.5) against one node and
// prints one JSON line with the results. The same script runs against the official node and ours.
//
//   node load.mjs --endpoint http://127.0.0.1:46357 [--seconds 10] [--size 1024] [--p2p-messages 20000]
//                 [--fanout-messages 5000] [--pings 2000]
//                 [--scenarios p2p-reliable,p2p-unreliable,reqrep,reqrep-best-effort,fanout]
//
// Needs tests/interop/node_modules (npm ci there). Five worker processes (one official app each: a sender and four
// receivers) connect to the node. Every scenario has a warm-up run, then a measured run bounded by both a message
// count and a time limit:
//   p2p-reliable    sender -> receiver 1, point-to-point with acks (retries 10 x 1 s), 128 unacknowledged at most
//   p2p-unreliable  the same without acks (best effort); delivered counts what arrived
//   reqrep          request/reply round trips one at a time (publish, then publishTo back), reliable session
//                   (each message is acknowledged too, so every hop carries two writes back to back)
//   reqrep-best-effort  the same in a session without acks
//   fanout          a group (moderator + 4 participants, MLS off, reliable), every message to all four
// Throughput = messages delivered / (last delivery - first publish).
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    size: { type: 'string', default: '1024' },
    'p2p-messages': { type: 'string', default: '20000' },
    'fanout-messages': { type: 'string', default: '5000' },
    pings: { type: 'string', default: '2000' },
    scenarios: { type: 'string', default: 'p2p-reliable,p2p-unreliable,reqrep,reqrep-best-effort,fanout' },
  },
});
if (!args.endpoint) {
  console.error('--endpoint is required');
  process.exit(2);
}

const seconds = Number(args.seconds);
const size = Number(args.size);
const secret = 'slim-dotnet-node-benchmark-shared-secret-0123456789';
const scope = `b${Math.random().toString(36).slice(2, 10)}`;
const log = (...parts) => process.stderr.write(`[load ${new Date().toISOString()}] ${parts.join(' ')}\n`);

class Worker {
  constructor(role) {
    this.role = role;
    this.name = `org/${scope}/${role}`;
    this.nextId = 1;
    this.pending = new Map();
    this.child = spawn(process.execPath, [path.join(import.meta.dirname, 'worker.mjs')], {
      stdio: ['pipe', 'ignore', 'inherit', 'pipe'],
      env: { ...process.env, SLIM_HARNESS_OUT_FD: '3', NO_COLOR: '1' },
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`worker ${role} exited with ${code}`)));
      readline.createInterface({ input: this.child.stdio[3] }).on('line', (line) => {
        const reply = JSON.parse(line);
        if (reply.event === 'ready') {
          resolve();
          return;
        }
        const waiter = this.pending.get(reply.id);
        if (waiter) {
          this.pending.delete(reply.id);
          if (reply.ok) {
            waiter.resolve(reply.result);
          } else {
            waiter.reject(new Error(`${role}: ${reply.error}`));
          }
        }
      });
    });
  }

  send(cmd, args = {}, timeoutMs = 60_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role}: ${cmd} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  stop() {
    this.child.stdin.end();
    setTimeout(() => this.child.kill('SIGKILL'), 3_000).unref();
  }
}

/** Polls the receivers until they have `expected` messages of `run`, or nothing new arrived for 1 s (bounded). */
async function collect(receivers, run, expected) {
  const deadline = Date.now() + 30_000;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const stats = await Promise.all(receivers.map((r) => r.send('stats', { run })));
    const total = stats.reduce((sum, s) => sum + s.count, 0);
    if (total >= expected || Date.now() - stableSince > 1_000 || Date.now() > deadline) {
      return { total, last: Math.max(...stats.map((s) => s.last ?? 0)) };
    }
    if (total !== last) {
      last = total;
      stableSince = Date.now();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let nextRun = 1;
async function throughput(sender, key, receivers, count, window) {
  const warm = nextRun++;
  const warmCount = Math.min(1000, count);
  const warmBlast = await sender.send('blast', { key, run: warm, count: warmCount, seconds, size, window });
  await collect(receivers, warm, warmBlast.sent * receivers.length);

  const run = nextRun++;
  const blast = await sender.send('blast', { key, run, count, seconds, size, window }, (seconds + 40) * 1000);
  const delivered = await collect(receivers, run, blast.sent * receivers.length);
  const elapsed = (delivered.last - blast.start) / 1000;
  return {
    sent: blast.sent,
    delivered: delivered.total,
    expected: blast.sent * receivers.length,
    failedAcks: blast.failed,
    seconds: Number(elapsed.toFixed(3)),
    msgsPerSec: elapsed > 0 ? Math.round(delivered.total / elapsed) : 0,
  };
}

const workers = ['sender', 'r1', 'r2', 'r3', 'r4'].map((role) => new Worker(role));
const [sender, ...receivers] = workers;
const results = {};
try {
  await Promise.all(workers.map((w) => w.ready));
  await Promise.all(workers.map((w) => w.send('init', { name: w.name, secret, endpoint: args.endpoint })));
  for (const r of receivers) {
    await sender.send('route', { name: r.name });
  }
  log('workers connected to', args.endpoint);

  const scenarios = args.scenarios.split(',');
  if (scenarios.includes('p2p-reliable')) {
    await sender.send('open', { key: 'p2p-reliable', type: 'p2p', reliable: true, destination: receivers[0].name });
    results.p2pReliable = await throughput(sender, 'p2p-reliable', [receivers[0]], Number(args['p2p-messages']), 128);
    await sender.send('close', { key: 'p2p-reliable' });
    log('p2p-reliable', JSON.stringify(results.p2pReliable));
  }

  if (scenarios.includes('p2p-unreliable')) {
    await sender.send('open', { key: 'p2p-unreliable', type: 'p2p', reliable: false, destination: receivers[1].name });
    results.p2pUnreliable = await throughput(sender, 'p2p-unreliable', [receivers[1]], Number(args['p2p-messages']), 0);
    await sender.send('close', { key: 'p2p-unreliable' });
    log('p2p-unreliable', JSON.stringify(results.p2pUnreliable));
  }

  for (const [scenario, reliable, field] of [['reqrep', true, 'reqRep'], ['reqrep-best-effort', false, 'reqRepBestEffort']]) {
    if (scenarios.includes(scenario)) {
      await sender.send('open', { key: scenario, type: 'p2p', reliable, destination: receivers[2].name });
      await sender.send('ping', { key: scenario, run: nextRun++, count: 200, seconds, size });
      results[field] = await sender.send('ping', { key: scenario, run: nextRun++, count: Number(args.pings), seconds, size }, (seconds + 40) * 1000);
      await sender.send('close', { key: scenario });
      log(scenario, JSON.stringify(results[field]));
    }
  }

  if (scenarios.includes('fanout')) {
    await sender.send('open', {
      key: 'fanout', type: 'group', reliable: true, destination: `org/${scope}/chan`, invite: receivers.map((r) => r.name),
    });
    results.fanout = await throughput(sender, 'fanout', receivers, Number(args['fanout-messages']), 64);
    await sender.send('close', { key: 'fanout' });
    log('fanout', JSON.stringify(results.fanout));
  }

  process.stdout.write(`${JSON.stringify({ endpoint: args.endpoint, size, results })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ endpoint: args.endpoint, error: String(err?.message ?? err), results })}\n`);
  process.exitCode = 1;
} finally {
  for (const w of workers) {
    w.stop();
  }
}
