// A ts-mls peer driven over JSON lines on stdin/stdout, for the .NET interop tests and the MLS group benchmark.
// Request:  {"id": 1, "op": "...", ...}        Response: {"id": 1, "ok": true, ...} or {"id": 1, "ok": false, "error": "..."}
// Bytes travel as lowercase hex. Every MLS structure is an encoded MLSMessage.
import { createInterface } from "node:readline";
import {
  acceptAll, createApplicationMessage, createCommit, createGroup, createProposal, decodeMlsMessage, defaultCapabilities,
  defaultLifetime, emptyPskIndex, encodeMlsMessage, ciphersuites, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl,
  joinGroup, mlsExporter, processMessage,
} from "ts-mls";

const clients = new Map(); // name -> { cs, keyPackages: [{publicPackage, privatePackage}], state }
const suites = new Map();

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const unhex = (text) => new Uint8Array(Buffer.from(text ?? "", "hex"));

async function suite(id) {
  if (!suites.has(id)) {
    const name = Object.keys(ciphersuites).find((n) => ciphersuites[n] === id);
    if (name === undefined) throw new Error(`unknown cipher suite ${id}`);
    suites.set(id, await getCiphersuiteImpl(getCiphersuiteFromName(name)));
  }
  return suites.get(id);
}

function decode(text) {
  const decoded = decodeMlsMessage(unhex(text), 0);
  if (decoded === undefined) throw new Error("undecodable MLSMessage");
  return decoded[0];
}

const encode = (message) => hex(encodeMlsMessage(message));

function client(name) {
  const c = clients.get(name);
  if (c === undefined) throw new Error(`unknown client ${name}`);
  return c;
}

function summary(c) {
  return { epoch: c.state.groupContext.epoch.toString(), epoch_authenticator: hex(c.state.keySchedule.epochAuthenticator) };
}

const ops = {
  async create_client(req) {
    clients.set(req.name, { cs: await suite(req.suite), keyPackages: [], state: undefined });
    return {};
  },
  async key_package(req) {
    const c = client(req.name);
    const credential = { credentialType: "basic", identity: new TextEncoder().encode(req.name) };
    const kp = await generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], c.cs);
    c.keyPackages.push(kp);
    return { key_package: encode({ version: "mls10", wireformat: "mls_key_package", keyPackage: kp.publicPackage }) };
  },
  async create_group(req) {
    const c = client(req.name);
    const kp = c.keyPackages.shift() ?? (await ops.key_package(req), c.keyPackages.shift());
    c.state = await createGroup(unhex(req.group_id), kp.publicPackage, kp.privatePackage, [], c.cs);
    return summary(c);
  },
  async commit(req) {
    const c = client(req.name);
    const extraProposals = [];
    for (const kp of req.add ?? []) extraProposals.push({ proposalType: "add", add: { keyPackage: decode(kp).keyPackage } });
    for (const leaf of req.remove ?? []) extraProposals.push({ proposalType: "remove", remove: { removed: leaf } });
    const started = performance.now();
    const result = await createCommit(
      { state: c.state, cipherSuite: c.cs, pskIndex: emptyPskIndex },
      { extraProposals, ratchetTreeExtension: true, wireAsPublicMessage: true },
    );
    const elapsed = performance.now() - started;
    c.state = result.newState;
    const welcome = result.welcome === undefined ? undefined : encode({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome });
    return { commit: encode(result.commit), welcome, elapsed_ms: elapsed, ...summary(c) };
  },
  async join(req) {
    const c = client(req.name);
    const welcome = decode(req.welcome).welcome;
    const started = performance.now();
    let lastError;
    for (const kp of c.keyPackages) {
      try {
        c.state = await joinGroup(welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, c.cs);
        c.keyPackages = c.keyPackages.filter((k) => k !== kp);
        return { elapsed_ms: performance.now() - started, leaf: c.state.privatePath.leafIndex, ...summary(c) };
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError ?? new Error("no key package");
  },
  async process(req) {
    const c = client(req.name);
    const started = performance.now();
    const result = await processMessage(decode(req.message), c.state, emptyPskIndex, acceptAll, c.cs);
    const elapsed = performance.now() - started;
    c.state = result.newState;
    if (result.kind === "applicationMessage") {
      return { kind: "application", data: hex(result.message), elapsed_ms: elapsed, ...summary(c) };
    }
    return { kind: result.actionTaken === "accept" ? "handshake" : "rejected", elapsed_ms: elapsed, ...summary(c) };
  },
  async encrypt(req) {
    const c = client(req.name);
    const result = await createApplicationMessage(c.state, unhex(req.data), c.cs, unhex(req.aad));
    c.state = result.newState;
    return { message: encode({ version: "mls10", wireformat: "mls_private_message", privateMessage: result.privateMessage }) };
  },
  async propose_remove(req) {
    const c = client(req.name);
    const result = await createProposal(c.state, true, { proposalType: "remove", remove: { removed: req.leaf } }, c.cs);
    c.state = result.newState;
    return { message: encode(result.message) };
  },
  async export(req) {
    const c = client(req.name);
    const secret = await mlsExporter(c.state.keySchedule.exporterSecret, req.label, unhex(req.context), req.length, c.cs);
    return { secret: hex(secret), ...summary(c) };
  },
  async state(req) {
    const c = client(req.name);
    return { leaf: c.state.privatePath.leafIndex, members: c.state.ratchetTree.filter((n, i) => i % 2 === 0 && n !== undefined).length, ...summary(c) };
  },
  // The MLS group benchmark's steps, timed inside Node (no IPC): bulk add of n-1 members by the creator, one join,
  // an empty commit by the creator, its processing by the joined member, and a remove commit by the creator.
  async bench(req) {
    const cs = await suite(req.suite);
    const n = req.n;
    const kp = async (name) => generateKeyPackage(
      { credentialType: "basic", identity: new TextEncoder().encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
    const creatorKp = await kp("creator");
    let creator = await createGroup(unhex("00112233"), creatorKp.publicPackage, creatorKp.privatePackage, [], cs);
    const members = [];
    for (let i = 1; i < n; i++) members.push(await kp(`member-${i}`));
    const context = () => ({ state: creator, cipherSuite: cs, pskIndex: emptyPskIndex });
    const options = (extraProposals) => ({ extraProposals, ratchetTreeExtension: true, wireAsPublicMessage: true });

    let started = performance.now();
    const add = await createCommit(context(), options(members.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } }))));
    const addMs = performance.now() - started;
    creator = add.newState;
    const welcomeBytes = encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: add.welcome }).length;

    started = performance.now();
    let joiner = await joinGroup(add.welcome, members[0].publicPackage, members[0].privatePackage, emptyPskIndex, cs);
    const joinMs = performance.now() - started;

    started = performance.now();
    const empty = await createCommit(context(), options([]));
    const emptyMs = performance.now() - started;
    creator = empty.newState;
    const commitBytes = encodeMlsMessage(empty.commit).length;

    started = performance.now();
    const processed = await processMessage(empty.commit, joiner, emptyPskIndex, acceptAll, cs);
    const processMs = performance.now() - started;
    joiner = processed.newState;

    started = performance.now();
    const removed = await createCommit(context(), options([{ proposalType: "remove", remove: { removed: n - 1 } }]));
    const removeMs = performance.now() - started;
    creator = removed.newState;

    started = performance.now();
    await processMessage(removed.commit, joiner, emptyPskIndex, acceptAll, cs);
    const processRemoveMs = performance.now() - started;
    return {
      add_ms: addMs, join_ms: joinMs, empty_commit_ms: emptyMs, process_commit_ms: processMs, remove_ms: removeMs,
      process_remove_ms: processRemoveMs, welcome_bytes: welcomeBytes, commit_bytes: commitBytes,
    };
  },
  async drop(req) {
    clients.delete(req.name);
    return {};
  },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let req;
  try {
    req = JSON.parse(line);
    const op = ops[req.op];
    if (op === undefined) throw new Error(`unknown op ${req.op}`);
    const result = await op(req);
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...result }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req?.id ?? null, ok: false, error: String(e?.stack ?? e) }) + "\n");
  }
}
