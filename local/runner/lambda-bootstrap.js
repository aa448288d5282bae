'use strict';
/**
 * The inside of a local Lambda "container": a Node.js process started by lambda-container.ts with
 * exactly the function's environment. Like the Lambda Node.js runtime it loads `<module>.js` from
 * LAMBDA_TASK_ROOT once (cold start), then runs one invocation at a time, formats console output
 * as `<time>\t<request id>\t<LEVEL>\t<message>` and reports a thrown error as
 * `{ errorType, errorMessage, trace }`. Plain JavaScript so it starts without a TypeScript loader.
 */
const path = require('path');
const util = require('util');

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

process.on('message', async (message) => {
  currentRequestId = message.requestId;
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
  try {
    const result = await loadHandler()(JSON.parse(message.payload), context);
    process.send({ type: 'result', requestId: message.requestId, payload: JSON.stringify(result) ?? 'null' });
  } catch (error) {
    process.send({ type: 'result', requestId: message.requestId, error: errorPayload(error) });
  }
});
