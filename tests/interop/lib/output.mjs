// Output side of the JSON-lines protocol shared by node.mjs and app.mjs.
//
// The official package's native core writes its tracing log to file descriptor 1. To keep the protocol stream
// clean, the launcher (the C# fixture) starts these scripts with the protocol descriptor moved: it sets
// SLIM_HARNESS_OUT_FD=3 and runs `exec node <script> 3>&1 1>&2`, so fd 3 is the process's real stdout and the
// native log lands on stderr. Run by hand without that variable, protocol lines go to fd 1 and readers must skip
// any line that is not a JSON object.
import fs from 'node:fs';

const outFd = Number.parseInt(process.env.SLIM_HARNESS_OUT_FD ?? '1', 10);

/** JSON.stringify that writes bigint values as decimal strings. */
export function toJson(value) {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Writes one protocol line in a single write call (atomic on a pipe up to PIPE_BUF bytes). */
export function emit(obj) {
  const line = `${toJson(obj)}\n`;
  const bytes = Buffer.from(line, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(outFd, bytes, offset, bytes.length - offset);
    } catch (err) {
      if (err.code === 'EAGAIN') {
        continue;
      }
      if (err.code === 'EPIPE') {
        // The reader is gone: nobody is left to drive or observe this process.
        process.exit(0);
      }
      throw err;
    }
  }
}

/** Diagnostics go to stderr, one line each, prefixed with the script's role. */
export function makeLogger(role) {
  return (...parts) => {
    const text = parts.map((p) => (typeof p === 'string' ? p : toJson(p))).join(' ');
    process.stderr.write(`[${role} ${new Date().toISOString()}] ${text}\n`);
  };
}

/**
 * Describes an error thrown by the official bindings. SlimError values carry `tag` (the variant, e.g.
 * "SessionError") and `inner.message` (the core's text); plain JS errors carry `message`.
 */
export function describeError(err) {
  if (err === null || err === undefined) {
    return { error: 'unknown error', errorType: 'Unknown' };
  }
  const type = typeof err.tag === 'string' ? err.tag : (err.name ?? 'Error');
  const innerMessage = err.inner && typeof err.inner.message === 'string' ? err.inner.message : undefined;
  const message = innerMessage ?? (typeof err.message === 'string' && err.message !== '' ? err.message : String(err));
  return { error: message, errorType: type };
}
