/**
 * `npm run emulator -- [--port <p>] [--account <12 digits>] [--region <r>] [--clock real|manual] [--strict]`
 * Prints exactly one line, the endpoint, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'util';
import { startEmulator } from './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      account: { type: 'string' },
      region: { type: 'string' },
      clock: { type: 'string', default: 'real' },
      strict: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0..65535, got '${values.port}'.`);
  if (values.clock !== 'real' && values.clock !== 'manual') throw new Error(`--clock must be 'real' or 'manual', got '${values.clock}'.`);
  const emulator = await startEmulator({
    port,
    accountId: values.account,
    region: values.region,
    clock: values.clock,
    strict: values.strict,
  });
  process.stdout.write(`${emulator.endpoint}\n`);
  const shutdown = () => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: Error) => {
  process.stderr.write(`proton emulator: ${e.message}\n`);
  process.exit(1);
});
