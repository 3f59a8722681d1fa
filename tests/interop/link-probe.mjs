// One-shot probe of a node's link negotiation, independent of the official package (plain node:http2).
//
//   node link-probe.mjs --endpoint http://127.0.0.1:46357 [--key] [--wait-ms 2000]
//
// Opens the data-plane RPC, sends a single link negotiation request (with a fresh X25519 public key when --key is
// given, without any key otherwise) and reports what came back as one JSON line on the protocol descriptor:
//   {"event":"result","headers":true,"replied":true,"isReply":true,"keyLength":32,"linkIdEchoed":true,"ending":"..."}
// A strict node drops a keyless link without replying; a lenient one replies with an empty key.
//
// Wire facts used (data_plane.proto, see docs/interop.md): Message.link = field 5; Link.link_negotiation = field 1;
// LinkNegotiationPayload: 1 link_id, 2 slim_version, 3 is_reply, 4 link_ecdh_public_key, 5 connection_type (EDGE = 2),
// 6 node_id. gRPC messages are framed as 1 flag byte + 4-byte big-endian length.
import crypto from 'node:crypto';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { describeError, emit } from './lib/output.mjs';

const OPEN_CHANNEL_PATH = '/dataplane.proto.v1.DataPlaneService/OpenChannel';
const SLIM_VERSION = '2.0.0-alpha.8';
const EDGE = 2;

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    key: { type: 'boolean', default: false },
    'wait-ms': { type: 'string', default: '2000' },
  },
});

// --- minimal protobuf encoding/decoding (only what a link negotiation needs) ---

function varint(value) {
  const bytes = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function lengthDelimited(field, payload) {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function varintField(field, value) {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

/** Splits a protobuf message into {field, wireType, value} entries (value: number or Buffer). */
function decodeFields(buf) {
  const fields = [];
  let offset = 0;
  const readVarint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (offset >= buf.length) {
        throw new Error('truncated varint');
      }
      const byte = buf[offset++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        return result;
      }
      shift += 7;
    }
  };
  while (offset < buf.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 0) {
      fields.push({ field, wireType, value: readVarint() });
    } else if (wireType === 2) {
      const length = readVarint();
      if (offset + length > buf.length) {
        throw new Error('truncated field');
      }
      fields.push({ field, wireType, value: buf.subarray(offset, offset + length) });
      offset += length;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

function x25519PublicKey() {
  const { publicKey } = crypto.generateKeyPairSync('x25519');
  return Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
}

function linkRequest(linkId, withKey) {
  const negotiation = Buffer.concat([
    lengthDelimited(1, Buffer.from(linkId, 'utf8')),
    lengthDelimited(2, Buffer.from(SLIM_VERSION, 'utf8')),
    withKey ? lengthDelimited(4, x25519PublicKey()) : Buffer.alloc(0),
    varintField(5, EDGE),
    lengthDelimited(6, Buffer.from(`node-${crypto.randomUUID()}`, 'utf8')),
  ]);
  const message = lengthDelimited(5, lengthDelimited(1, negotiation));
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(message.length, 1);
  return Buffer.concat([frame, message]);
}

function describeReply(message, linkId) {
  const link = decodeFields(message).find((f) => f.field === 5 && f.wireType === 2);
  if (!link) {
    return { replied: true, isLink: false };
  }
  const negotiation = decodeFields(link.value).find((f) => f.field === 1 && f.wireType === 2);
  const fields = negotiation ? decodeFields(negotiation.value) : [];
  const get = (n) => fields.find((f) => f.field === n);
  return {
    replied: true,
    isLink: true,
    isReply: (get(3)?.value ?? 0) === 1,
    keyLength: get(4)?.value.length ?? 0,
    linkIdEchoed: get(1)?.value.toString('utf8') === linkId,
    slimVersion: get(2)?.value.toString('utf8') ?? '',
    connectionType: get(5)?.value ?? 0,
  };
}

// --- the probe ---

async function probe() {
  const endpoint = args.endpoint;
  if (typeof endpoint !== 'string') {
    throw new Error('--endpoint is required');
  }
  const waitMs = Number.parseInt(args['wait-ms'], 10);
  const linkId = crypto.randomUUID();
  const report = { event: 'result', offeredKey: args.key, headers: false, replied: false };

  return await new Promise((resolve) => {
    const session = http2.connect(endpoint);
    let settled = false;
    let pending = Buffer.alloc(0);
    const finish = (ending) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      report.ending = ending;
      session.destroy();
      resolve(report);
    };
    const timer = setTimeout(() => finish('no reply and stream still open'), waitMs);
    session.on('error', (err) => finish(`connection error: ${err.message}`));
    const stream = session.request({
      ':method': 'POST',
      ':path': OPEN_CHANNEL_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('response', (headers) => {
      report.headers = true;
      report.status = headers[':status'];
    });
    stream.on('trailers', (trailers) => {
      report.grpcStatus = trailers['grpc-status'];
      report.grpcMessage = trailers['grpc-message'];
    });
    stream.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 5) {
        const length = pending.readUInt32BE(1);
        if (pending.length >= 5 + length) {
          try {
            Object.assign(report, describeReply(pending.subarray(5, 5 + length), linkId));
          } catch (err) {
            report.replied = true;
            report.decodeError = err.message;
          }
          finish('replied');
        }
      }
    });
    stream.on('end', () => finish('stream ended by the node'));
    stream.on('close', () => finish(`stream closed (code ${stream.rstCode ?? 0})`));
    stream.on('error', (err) => finish(`stream error: ${err.message}`));
    stream.write(linkRequest(linkId, args.key));
  });
}

try {
  emit(await probe());
  process.exit(0);
} catch (err) {
  emit({ event: 'failed', ...describeError(err) });
  process.exit(1);
}
