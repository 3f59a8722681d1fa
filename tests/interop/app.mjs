// Official SLIM app driven by a JSON-lines command protocol, for the interop tests.
//
//   node app.mjs [--log-level info]      (default: $SLIM_INTEROP_LOG_LEVEL, else info)
//
// stdin: one command per line, {"id": <any>, "cmd": "<name>", ...arguments}.
// protocol output (see lib/output.mjs): one JSON object per line, either
//   a result   {"id": <same id>, "ok": true, "result": {...}}  or  {"id": ..., "ok": false, "error": "...", "errorType": "..."}
//   an event   {"event": "<name>", ...}
// Diagnostics (ours and the native core's log) go to stderr. One process hosts one app. The process exits when stdin
// ends, on SIGTERM, or after the "shutdown" command. Commands run concurrently; a command that fails (or is unknown,
// or malformed) gets an error result and the process carries on.
//
// Names are "org/ns/app" (no id) or "org/ns/app/<uuid id>". Payloads are UTF-8 text in "payload" or bytes in
// "payloadBase64". See docs/interop.md for the full list of commands and events.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { describeError, emit, makeLogger } from './lib/output.mjs';

const log = makeLogger('app');
const { values: args } = parseArgs({
  options: { 'log-level': { type: 'string', default: process.env.SLIM_INTEROP_LOG_LEVEL ?? 'info' } },
});

const slim = await import('@agntcy/slim-bindings');
slim.initializeWithConfigs(
  slim.newRuntimeConfig(),
  slim.newTracingConfigWith(args['log-level'], false, false, []),
  [slim.newServiceConfig()],
);
const service = slim.getGlobalService();

/** Thrown for bad command arguments; reported as errorType "InvalidCommand". */
class CommandError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidCommand';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// State

let app; // the one app of this process
let appName; // its Name
let connectionId; // bigint returned by connectAsync
const sessions = new Map(); // handle -> { session, handle, closed }
let nextSession = 1;
const received = new Map(); // message number -> MessageContext (for publish_to)
const MAX_REMEMBERED_MESSAGES = 10_000;
let nextMessage = 1;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function parseName(text, what = 'name') {
  if (typeof text !== 'string') {
    throw new CommandError(`${what} must be a string "org/ns/app" or "org/ns/app/<id>"`);
  }
  const parts = text.split('/');
  if (parts.length === 3 && parts.every((p) => p !== '')) {
    return new slim.Name(parts[0], parts[1], parts[2]);
  }
  if (parts.length === 4 && parts.every((p) => p !== '')) {
    return slim.Name.newWithId(parts[0], parts[1], parts[2], parts[3]);
  }
  throw new CommandError(`${what} ${JSON.stringify(text)} is not "org/ns/app" or "org/ns/app/<id>"`);
}

/** A name as {name: "org/ns/app", id: "<uuid or NULL marker>"}. */
function describeName(name) {
  if (!name) {
    return undefined;
  }
  return { name: name.components().join('/'), id: name.id() };
}

function requireApp() {
  if (!app) {
    throw new CommandError('no app yet: send create_app first');
  }
  return app;
}

function requireConnection() {
  if (connectionId === undefined) {
    throw new CommandError('not connected: send connect first');
  }
  return connectionId;
}

function requireSession(cmd) {
  const entry = sessions.get(cmd.session);
  if (!entry) {
    throw new CommandError(`unknown session ${JSON.stringify(cmd.session)}`);
  }
  return entry;
}

function payloadOf(cmd) {
  if (typeof cmd.payloadBase64 === 'string') {
    return bytesToArrayBuffer(Buffer.from(cmd.payloadBase64, 'base64'));
  }
  if (typeof cmd.payload === 'string') {
    return bytesToArrayBuffer(Buffer.from(cmd.payload, 'utf8'));
  }
  throw new CommandError('payload (text) or payloadBase64 is required');
}

function bytesToArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function metadataOf(obj) {
  if (obj === undefined || obj === null) {
    return undefined;
  }
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new CommandError('metadata must be an object of strings');
  }
  return new Map(Object.entries(obj).map(([k, v]) => [k, String(v)]));
}

function mapToObject(map) {
  return map ? Object.fromEntries(map) : {};
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function describePayload(arrayBuffer) {
  const bytes = Buffer.from(arrayBuffer);
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  return { payload: text, payloadBase64: bytes.toString('base64') };
}

function sessionTypeOf(text) {
  switch (text ?? 'p2p') {
    case 'p2p':
    case 'point_to_point':
      return slim.SessionType.PointToPoint;
    case 'group':
      return slim.SessionType.Group;
    default:
      throw new CommandError(`type must be "p2p" or "group", got ${JSON.stringify(text)}`);
  }
}

function sessionTypeName(type) {
  return type === slim.SessionType.Group ? 'group' : 'p2p';
}

function optionalUInt(cmd, field) {
  const v = cmd[field];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (!Number.isInteger(v) || v < 0) {
    throw new CommandError(`${field} must be a non-negative integer`);
  }
  return v;
}

function describeSession(entry) {
  const s = entry.session;
  return {
    session: entry.handle,
    sessionId: s.sessionId(),
    type: sessionTypeName(s.sessionType()),
    initiator: s.isInitiator(),
    source: describeName(s.source()),
    destination: describeName(s.destination()),
    metadata: mapToObject(s.metadata()),
  };
}

/** Session closure as reported by getMessage: the core's text says the session is closed or gone. */
function isClosedError(err) {
  const { error } = describeError(err);
  return /closed|session not found/i.test(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions: every session (created or accepted) gets a handle and a receive loop that turns messages into events.

function track(session) {
  const handle = `s${nextSession++}`;
  const entry = { session, handle, closed: false, deleting: false };
  sessions.set(handle, entry);
  void receiveLoop(entry);
  return entry;
}

function closeEntry(entry, reason) {
  if (entry.closed) {
    return;
  }
  entry.closed = true;
  emit({ event: 'session_closed', session: entry.handle, sessionId: entry.sessionId, reason });
}

async function receiveLoop(entry) {
  entry.sessionId = entry.session.sessionId();
  for (;;) {
    let msg;
    try {
      msg = await entry.session.getMessageAsync(undefined);
    } catch (err) {
      if (entry.closed) {
        return;
      }
      const described = describeError(err);
      if (entry.deleting || isClosedError(err)) {
        closeEntry(entry, described.error);
        return;
      }
      // Errors that do not end the session (e.g. "participant disconnected" on a moderator) are reported as they
      // come; the loop goes on.
      emit({ event: 'session_error', session: entry.handle, sessionId: entry.sessionId, ...described });
      continue;
    }
    const number = nextMessage++;
    received.set(number, msg.context);
    if (received.size > MAX_REMEMBERED_MESSAGES) {
      received.delete(received.keys().next().value);
    }
    const ctx = msg.context;
    const source = describeName(ctx.sourceName);
    emit({
      event: 'message',
      session: entry.handle,
      sessionId: entry.sessionId,
      message: number,
      source: source?.name,
      sourceId: source?.id,
      destination: describeName(ctx.destinationName),
      payloadType: ctx.payloadType,
      metadata: mapToObject(ctx.metadata),
      ...describePayload(msg.payload),
    });
  }
}

async function listenLoop() {
  for (;;) {
    let session;
    try {
      session = await app.listenForSessionAsync(undefined);
    } catch (err) {
      emit({ event: 'listen_error', ...describeError(err) });
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const entry = track(session);
    emit({ event: 'session', ...describeSession(entry) });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

const commands = {
  async ping() {
    return { version: slim.getVersion(), pid: process.pid };
  },

  async create_app(cmd) {
    if (app) {
      throw new CommandError('this process already hosts an app');
    }
    if (typeof cmd.secret !== 'string') {
      throw new CommandError('secret is required (at least 32 bytes)');
    }
    const name = parseName(cmd.name);
    // createAppWithSecretAsync panics in alpha.5 ("there is no reactor running"): the async variant runs outside
    // the core's Tokio runtime. The blocking variant is quick (no network) and works.
    app = service.createAppWithSecret(name, cmd.secret);
    appName = app.name();
    void listenLoop();
    return { ...describeName(appName) };
  },

  async connect(cmd) {
    requireApp();
    if (typeof cmd.endpoint !== 'string') {
      throw new CommandError('endpoint is required, e.g. "http://127.0.0.1:46357"');
    }
    connectionId = await service.connectAsync(slim.newInsecureClientConfig(cmd.endpoint));
    return { connectionId };
  },

  async subscribe(cmd) {
    requireApp();
    const name = cmd.name === undefined ? appName : parseName(cmd.name);
    await app.subscribeAsync(name, requireConnection());
    return { subscribed: describeName(name) };
  },

  async unsubscribe(cmd) {
    requireApp();
    const name = cmd.name === undefined ? appName : parseName(cmd.name);
    await app.unsubscribeAsync(name, requireConnection());
    return {};
  },

  async set_route(cmd) {
    requireApp();
    await app.setRouteAsync(parseName(cmd.name), requireConnection());
    return {};
  },

  async remove_route(cmd) {
    requireApp();
    await app.removeRouteAsync(parseName(cmd.name), requireConnection());
    return {};
  },

  async create_session(cmd) {
    requireApp();
    const destination = parseName(cmd.destination, 'destination');
    const config = {
      sessionType: sessionTypeOf(cmd.type),
      maxRetries: optionalUInt(cmd, 'maxRetries'),
      interval: optionalUInt(cmd, 'intervalMs'),
      metadata: metadataOf(cmd.metadata) ?? new Map(),
      mlsSettings: cmd.mls
        ? { headerIntegrityValidationPercent: optionalUInt(cmd, 'headerIntegrityPercent') ?? 100 }
        : undefined,
    };
    const { session, completion } = await app.createSessionAsync(config, destination);
    const entry = track(session);
    try {
      await completion.waitAsync();
    } catch (err) {
      // The session object exists but never got established; report the failure and forget it.
      entry.closed = true;
      sessions.delete(entry.handle);
      throw err;
    }
    return describeSession(entry);
  },

  async invite(cmd) {
    const { session } = requireSession(cmd);
    await session.inviteAndWaitAsync(parseName(cmd.name));
    return {};
  },

  async remove(cmd) {
    const { session } = requireSession(cmd);
    await session.removeAndWaitAsync(parseName(cmd.name));
    return {};
  },

  async publish(cmd) {
    const { session } = requireSession(cmd);
    const data = payloadOf(cmd);
    const handle = await session.publishAsync(data, cmd.payloadType, metadataOf(cmd.metadata));
    if (cmd.waitAck !== false) {
      await handle.waitAsync();
    }
    return {};
  },

  async publish_to(cmd) {
    const { session } = requireSession(cmd);
    const context = received.get(cmd.replyTo);
    if (!context) {
      throw new CommandError(`replyTo must be the "message" number of a received message, got ${cmd.replyTo}`);
    }
    const handle = await session.publishToAsync(context, payloadOf(cmd), cmd.payloadType, metadataOf(cmd.metadata));
    if (cmd.waitAck !== false) {
      await handle.waitAsync();
    }
    return {};
  },

  async participants(cmd) {
    const { session } = requireSession(cmd);
    const list = await session.participantsListAsync();
    return {
      participants: list.map((p) => ({
        ...describeName(p.name),
        status: p.status === slim.ParticipantStatus.Offline ? 'offline' : 'online',
      })),
    };
  },

  async session_info(cmd) {
    return describeSession(requireSession(cmd));
  },

  async delete_session(cmd) {
    const entry = requireSession(cmd);
    entry.deleting = true;
    await app.deleteSessionAndWaitAsync(entry.session);
    closeEntry(entry, 'deleted locally');
    return {};
  },

  async close_session(cmd) {
    const entry = requireSession(cmd);
    const mode = cmd.mode === 'soft' ? slim.CloseMode.Soft : slim.CloseMode.Hard;
    if (mode === slim.CloseMode.Hard) {
      entry.deleting = true;
    }
    await entry.session.closeWithModeAndWaitAsync(mode);
    if (mode === slim.CloseMode.Hard) {
      closeEntry(entry, 'closed locally');
    }
    return {};
  },

  async shutdown() {
    setImmediate(() => exit('shutdown command'));
    return {};
  },
};

async function handleLine(line) {
  if (line.trim() === '') {
    return;
  }
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    emit({ id: null, ok: false, error: `malformed JSON: ${err.message}`, errorType: 'InvalidCommand' });
    return;
  }
  if (cmd === null || typeof cmd !== 'object' || Array.isArray(cmd)) {
    emit({ id: null, ok: false, error: 'a command must be a JSON object', errorType: 'InvalidCommand' });
    return;
  }
  const id = cmd.id ?? null;
  const handler = Object.hasOwn(commands, cmd.cmd) ? commands[cmd.cmd] : undefined;
  if (!handler) {
    emit({ id, ok: false, error: `unknown command ${JSON.stringify(cmd.cmd)}`, errorType: 'InvalidCommand' });
    return;
  }
  const started = Date.now();
  try {
    const result = await handler(cmd);
    emit({ id, ok: true, result: result ?? {}, ms: Date.now() - started });
  } catch (err) {
    const described = err instanceof CommandError ? { error: err.message, errorType: err.name } : describeError(err);
    log(`command ${cmd.cmd} (id ${JSON.stringify(id)}) failed:`, described);
    emit({ id, ok: false, ...described, ms: Date.now() - started });
  }
}

let exiting = false;
function exit(reason) {
  if (exiting) {
    return;
  }
  exiting = true;
  log(`exiting (${reason})`);
  process.exit(0);
}

process.on('SIGTERM', () => exit('SIGTERM'));
process.on('SIGINT', () => exit('SIGINT'));
process.on('unhandledRejection', (err) => log('unhandled rejection', describeError(err)));
process.on('uncaughtException', (err) => log('uncaught exception', describeError(err), err?.stack ?? ''));

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => void handleLine(line));
input.on('close', () => exit('stdin closed'));

emit({ event: 'ready', pid: process.pid, version: slim.getVersion() });
