// Official SLIM node launcher for the interop tests.
//
//   node node.mjs --port <n> [--mode strict|lenient] [--host 127.0.0.1] [--log-level info] [--ignore-stdin]
//
// The native log level defaults to $SLIM_INTEROP_LOG_LEVEL, else info (levels: error, warn, info, debug, trace).
//
// strict:  the server is declared in the service configuration (initializeWithConfigs), as a stock `slim` node
//          builds it: a client must offer an X25519 key and every Subscribe/Unsubscribe/Publish must carry a valid
//          header MAC.
// lenient: an app-style server started with runServerAsync: the processor does not require link crypto.
//
// Protocol (one JSON object per line on the protocol descriptor, see lib/output.mjs):
//   {"event":"ready","mode":"strict","endpoint":"http://127.0.0.1:46357","port":46357,"pid":123,"version":"..."}
//     once an HTTP/2 request to the data-plane RPC gets its response headers;
//   {"event":"failed","error":"...","errorType":"..."} then exit code 1 when the server cannot start;
//   {"event":"stopped"} before a clean exit (code 0) on SIGTERM, SIGINT or end of stdin.
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { describeError, emit, makeLogger } from './lib/output.mjs';

const OPEN_CHANNEL_PATH = '/dataplane.proto.v1.DataPlaneService/OpenChannel';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 2_000;

const log = makeLogger('node');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    mode: { type: 'string', default: 'strict' },
    'log-level': { type: 'string', default: process.env.SLIM_INTEROP_LOG_LEVEL ?? 'info' },
    'ignore-stdin': { type: 'boolean', default: false },
  },
});

function fail(err) {
  emit({ event: 'failed', ...describeError(err) });
  process.exit(1);
}

const port = Number.parseInt(args.port ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  fail(new Error(`--port must be a TCP port, got ${JSON.stringify(args.port)}`));
}
if (args.mode !== 'strict' && args.mode !== 'lenient') {
  fail(new Error(`--mode must be strict or lenient, got ${JSON.stringify(args.mode)}`));
}

// Load the package only after the arguments are known good: it maps a large native library.
const slim = await import('@agntcy/slim-bindings');
const bindAddress = `${args.host}:${port}`;
const endpoint = `http://${bindAddress}`;
let service;

async function start() {
  const serverConfig = slim.newInsecureServerConfig(bindAddress);
  const tracing = slim.newTracingConfigWith(args['log-level'], false, false, []);
  if (args.mode === 'lenient') {
    // A service without configured servers, then a server added the way an app does it: runServer builds it on the
    // service's existing processor, which does not require link crypto.
    slim.initializeWithConfigs(slim.newRuntimeConfig(), tracing, [slim.newServiceConfig()]);
    service = slim.getGlobalService();
    await service.runServerAsync(serverConfig);
  } else {
    // Declaring the server in the service configuration makes initializeWithConfigs start it with a processor
    // built from that server configuration (strict). A later service.run() would try to bind the port again.
    slim.initializeWithConfigs(slim.newRuntimeConfig(), tracing, [
      { nodeId: `interop-node-${port}`, dataplane: { servers: [serverConfig], clients: [] } },
    ]);
    service = slim.getGlobalService();
  }
}

/** Resolves once the server answers an HTTP/2 request for the data-plane RPC with response headers. */
function probeOnce() {
  return new Promise((resolve) => {
    let settled = false;
    const session = http2.connect(endpoint);
    const done = (ok, why) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve({ ok, why });
    };
    const timer = setTimeout(() => done(false, 'probe timed out'), 1_000);
    session.on('error', (err) => done(false, err.message));
    const req = session.request({
      ':method': 'POST',
      ':path': OPEN_CHANNEL_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    req.on('response', (headers) => done(headers[':status'] === 200, `status ${headers[':status']}`));
    req.on('error', (err) => done(false, err.message));
  });
}

async function waitUntilServing() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const { ok, why } = await probeOnce();
    if (ok) {
      return;
    }
    last = why;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${endpoint} did not answer within ${READY_TIMEOUT_MS} ms (${last})`);
}

let stopping = false;
async function stop(reason) {
  if (stopping) {
    return;
  }
  stopping = true;
  log(`stopping (${reason})`);
  const timeout = new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS));
  try {
    if (service) {
      await Promise.race([Promise.resolve().then(() => service.stopServer(bindAddress)), timeout]);
    }
  } catch (err) {
    log('stopServer failed', describeError(err));
  }
  emit({ event: 'stopped' });
  process.exit(0);
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
if (!args['ignore-stdin']) {
  process.stdin.on('end', () => void stop('stdin closed'));
  process.stdin.on('error', () => void stop('stdin error'));
  process.stdin.resume();
}

try {
  await start();
  await waitUntilServing();
} catch (err) {
  fail(err);
}
// The native server threads do not keep Node's event loop alive; this timer does, until stop() exits.
setInterval(() => {}, 1 << 30);
emit({ event: 'ready', mode: args.mode, endpoint, port, pid: process.pid, version: slim.getVersion() });
log(`serving ${args.mode} on ${endpoint}`);
