/**
 * The emulator's HTTP server (Node `http`, loopback only) and request routing:
 * - `/_emulator/...`        -> control API (control.ts);
 * - `POST /`                -> Proton, awsJson1_0 (protocol.ts) — S3 never posts to `/`;
 * - anything else           -> path-style S3 (s3.ts).
 * Every response carries a fresh request id (`x-amzn-RequestId` for Proton, `x-amz-request-id`
 * for S3). Routing is an emulator decision; the individual protocols are documented in their files.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { CONTROL_PREFIX, EmulatorControl, handleControlRequest } from './control';
import { ProtonEndpoint, handleProtonRequest } from './protocol';
import { handleS3Request } from './s3';

/** Largest request body accepted (Proton's bundle limit is 10 MB; proton-api.md §9). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`Request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function route(endpoint: ProtonEndpoint, control: EmulatorControl, req: http.IncomingMessage, res: http.ServerResponse) {
  const body = await readBody(req);
  const requestId = randomUUID();
  const path = (req.url ?? '/').split('?')[0];
  if (path.startsWith(CONTROL_PREFIX)) {
    handleControlRequest(control, req, res, body);
  } else if (req.method === 'POST' && path === '/') {
    await handleProtonRequest(endpoint, req, res, body, requestId);
  } else {
    await handleS3Request(endpoint.state.s3, req, res, body, requestId, endpoint.state.identities);
  }
}

export async function startServer(endpoint: ProtonEndpoint, control: EmulatorControl, port: number): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    route(endpoint, control, req, res).catch((e: Error) => {
      process.stderr.write(`proton emulator: ${req.method} ${req.url} failed: ${e.stack ?? e.message}\n`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        endpoint.state.releaseHeld();
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
