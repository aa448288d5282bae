'use strict';
/**
 * The inside of a local Lambda execution environment: a Node.js process started by
 * lambda-container.ts with exactly the function's environment. Like the Lambda Node.js runtime it
 * loads `<module>.js` from LAMBDA_TASK_ROOT once (cold start), then runs one invocation at a time,
 * formats console output as `<time>\t<request id>\t<LEVEL>\t<message>` and reports a thrown error as
 * `{ errorType, errorMessage, trace }`. Plain JavaScript so it starts without a TypeScript loader.
 *
 * Every message carries the request id of its invocation, so nothing of one invocation can be
 * taken for another's.
 *
 * With `--virtual-time` (the runner runs on an emulator's virtual clock) the function's timers and
 * `Date` are fake (@sinonjs/fake-timers) and its `Math.random` is seeded (`--seed=N`): time passes
 * only when the runner says so. Whenever the invocation can make no progress but through its timers
 * — nothing in flight but requests the emulator holds open (hang and crash faults), no other I/O
 * pending — it tells the runner (`idle`: the ports of its requests, its next timer) and waits for
 * `advance` (time moved to the timer: run it) or `busy` (something is still on its way: look again).
 */
const diagnosticsChannel = require('diagnostics_channel');
const path = require('path');
const util = require('util');

const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;
const VIRTUAL = process.argv.includes('--virtual-time');
const SEED = Number((process.argv.find((a) => a.startsWith('--seed=')) || '--seed=1').slice('--seed='.length));
/** Real milliseconds a request is in flight before the runner is asked whether the emulator holds it. */
const HELD_QUERY_DELAY_MS = 25;

let fakeClock;
if (VIRTUAL) {
  const FakeTimers = require('@sinonjs/fake-timers');
  fakeClock = FakeTimers.withGlobal(globalThis).install({
    now: Number((process.argv.find((a) => a.startsWith('--now=')) || '--now=0').slice('--now='.length)),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    loopLimit: 100000,
  });
  Math.random = mulberry32(SEED);
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let currentRequestId;
let loadedHandler;

for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG']]) {
  console[method] = (...args) => {
    const stream = level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout;
    stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${util.format(...args)}\n`);
  };
}

function loadHandler() {
  if (loadedHandler) return loadedHandler;
  const handler = process.env._HANDLER;
  const dot = handler.lastIndexOf('.');
  const modulePath = path.join(process.env.LAMBDA_TASK_ROOT, handler.slice(0, dot));
  const fn = require(modulePath)[handler.slice(dot + 1)];
  if (typeof fn !== 'function') {
    const error = new Error(`${handler.slice(dot + 1)} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  loadedHandler = fn;
  return fn;
}

function errorPayload(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: String(e.stack ?? '').split('\n') };
}

function crash(error) {
  process.send({ type: 'result', requestId: currentRequestId, error: errorPayload(error) }, () => process.exit(1));
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

// --- What the invocation waits for ---------------------------------------------------------------

/** HTTP requests in flight, with the real time they started. */
const inFlight = new Map();
diagnosticsChannel.subscribe('http.client.request.start', ({ request }) => {
  inFlight.set(request, realNow());
  request.once('close', () => {
    inFlight.delete(request);
    // The invocation may only wait for its timers now: look at once.
    if (running && !awaitingReply) watch(0);
  });
});

function realNow() {
  return Number(process.hrtime.bigint() / 1000000n);
}

/** Handles and requests that are not progress: stdio and IPC pipes, sockets (judged by their requests), timers. */
const NOT_PENDING_IO = new Set(['PipeWrap', 'TTYWrap', 'TCPSocketWrap', 'Timeout', 'SignalWrap', 'ProcessWrap']);

let running = false;
let awaitingReply = false;
let monitor;

function watch(delayMs) {
  if (monitor !== undefined) realClearTimeout(monitor);
  monitor = realSetTimeout(look, delayMs);
}

function nextTimerAt() {
  let next;
  for (const timer of fakeClock.timers ? fakeClock.timers.values() : []) {
    if (next === undefined || timer.callAt < next) next = timer.callAt;
  }
  return next;
}

/** Reports the invocation idle when only timers (or held requests) can move it on. */
function look() {
  monitor = undefined;
  if (!running || awaitingReply) return;
  if (process.getActiveResourcesInfo().some((type) => !NOT_PENDING_IO.has(type))) return watch(1);
  const requests = [...inFlight.keys()];
  if (requests.some((r) => !r.socket || r.socket.connecting || r.socket.localPort === undefined)) return watch(1);
  const now = realNow();
  if (requests.some((r) => now - inFlight.get(r) < HELD_QUERY_DELAY_MS)) return watch(HELD_QUERY_DELAY_MS);
  awaitingReply = true;
  process.send({ type: 'idle', requestId: currentRequestId, ports: requests.map((r) => r.socket.localPort), nextTimerAt: nextTimerAt() });
  return undefined;
}

// --- Invocations ---------------------------------------------------------------------------------

process.on('message', async (message) => {
  if (message.type === 'advance') {
    if (message.requestId !== currentRequestId) return;
    awaitingReply = false;
    // tick(0) too: it runs the timers due now.
    fakeClock.tick(Math.max(0, message.toMs - fakeClock.now));
    watch(0);
    return;
  }
  if (message.type === 'busy') {
    if (message.requestId !== currentRequestId) return;
    awaitingReply = false;
    watch(HELD_QUERY_DELAY_MS);
    return;
  }
  // An invocation.
  currentRequestId = message.requestId;
  // Time passed since the last invocation (the environment was frozen): what became due runs now.
  if (VIRTUAL) fakeClock.tick(Math.max(0, message.nowMs - fakeClock.now));
  const deadline = Date.now() + message.timeoutMs;
  const context = {
    awsRequestId: message.requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  running = VIRTUAL;
  awaitingReply = false;
  if (VIRTUAL) watch(0);
  let result;
  try {
    result = { type: 'result', requestId: message.requestId, payload: JSON.stringify(await loadHandler()(JSON.parse(message.payload), context)) ?? 'null' };
  } catch (error) {
    result = { type: 'result', requestId: message.requestId, error: errorPayload(error) };
  }
  running = false;
  if (monitor !== undefined) realClearTimeout(monitor);
  monitor = undefined;
  process.send(result);
});
