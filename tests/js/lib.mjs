// Shared by the client scripts: read the job from stdin, trace the cognito-idp calls, fetch the
// codes a pool sends from the server's outbox, compute TOTP codes with otplib (independent of the
// server's own TOTP code), and print one JSON result on stdout.

import otplib from 'otplib';

const { authenticator } = otplib;
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/** The job: one JSON object on stdin (see README.md for its keys). */
export async function readJob() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Every cognito-idp call the client makes, in order: the operation, its AuthFlow or
 * ChallengeName, and what came back (the next challenge, "tokens", or the error type). */
export const trace = [];

function describeReply(status, body) {
  if (status >= 400) return { error: String(body.__type || status).split('#').pop() };
  if (body.ChallengeName) return { challenge: body.ChallengeName };
  if (body.AuthenticationResult) {
    const device = body.AuthenticationResult.NewDeviceMetadata ? { newDevice: true } : {};
    return { tokens: true, ...device };
  }
  return {};
}

/** Wrap the global fetch (both clients use it under node) to fill `trace`. */
export function traceFetch() {
  const original = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    const headers = new Headers(init.headers || {});
    const target = headers.get('x-amz-target') || '';
    const reply = await original(url, init);
    if (!target.startsWith(TARGET_PREFIX)) return reply;
    const request = JSON.parse(init.body || '{}');
    const entry = { op: target.slice(TARGET_PREFIX.length) };
    if (request.AuthFlow) entry.authFlow = request.AuthFlow;
    if (request.ChallengeName) entry.challengeName = request.ChallengeName;
    const body = await reply.clone().json().catch(() => ({}));
    trace.push({ ...entry, ...describeReply(reply.status, body) });
    return reply;
  };
}

/** The latest code the server sent to `to` (a phone number or an email address). */
export async function outboxCode(endpoint, to) {
  const url = new URL('/_userpool/messages', endpoint);
  url.searchParams.set('to', to);
  const reply = await fetch(url);
  if (!reply.ok) throw new Error(`outbox: HTTP ${reply.status}`);
  const { messages } = await reply.json();
  if (!messages.length || !messages[0].code) throw new Error(`no code sent to ${to}`);
  return messages[0].code;
}

/** The TOTP code an authenticator app shows, `offset` seconds after now (the server's clock may
 * have been moved forward by the test). */
export function totpCode(secret, offset = 0) {
  authenticator.options = { epoch: Date.now() + offset * 1000 };
  return authenticator.generate(secret);
}

/** The payload of a JWT, decoded (no verification: the Python side checks signatures). */
export function claims(jwt) {
  const payload = jwt.split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** A plain object for an error of either client. */
export function errorOf(err) {
  return {
    name: err?.name || err?.code || 'Error',
    code: err?.code || err?.name,
    message: err?.message || String(err),
  };
}

/** A Map-backed key-value storage (Amplify's KeyValueStorageInterface, and the
 * getItem/setItem/removeItem/clear shape amazon-cognito-identity-js expects). */
export class MemoryStorage {
  constructor(seed = {}) {
    this.items = new Map(Object.entries(seed));
  }
  setItem(key, value) {
    this.items.set(key, String(value));
    return Promise.resolve();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  removeItem(key) {
    this.items.delete(key);
    return Promise.resolve();
  }
  clear() {
    this.items.clear();
    return Promise.resolve();
  }
}

/** Run `steps` of a job one after another with `actions[step.do]`, collecting each result; stop
 * at the first failure. Prints {steps: [...], trace: [...], storage, error?} and exits 0 (the
 * Python side judges), or 2 when the job itself is malformed. `storage` is what the client kept
 * (tokens, device key and password): a later run given it as job.storage starts from there, as a
 * browser tab reopened with the same localStorage. */
export async function runSteps(job, actions, storage) {
  const results = [];
  let failure;
  for (const step of job.steps) {
    const action = actions[step.do];
    if (!action) {
      process.stdout.write(JSON.stringify({ error: { message: `unknown step ${step.do}` } }) + '\n');
      process.exit(2);
    }
    const from = trace.length;
    try {
      results.push({ do: step.do, ...(await action(step)), calls: trace.slice(from) });
    } catch (err) {
      failure = { do: step.do, ...errorOf(err) };
      results.push({ do: step.do, error: failure, calls: trace.slice(from) });
      break;
    }
  }
  const kept = Object.fromEntries(storage.items);
  const output = { steps: results, trace, storage: kept, ...(failure ? { error: failure } : {}) };
  process.stdout.write(JSON.stringify(output) + '\n');
}
