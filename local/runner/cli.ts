/**
 * `npm run local -- deploy|destroy --app <cdk.out | "app command"> [--endpoint <url> [--virtual-time]]`
 *
 * Deploys (or destroys) a CDK app's stacks with the local CloudFormation runner, each stack in its
 * own account (its `env.account`, else the emulator's default account). Without --endpoint an
 * embedded emulator is started for this run only (its Proton state ends with the process); with
 * --endpoint (e.g. from `npm run emulator`) the stack state is kept in
 * `.proton-local/<account>/<stack>.json` next to the assembly, so a later `destroy` finds it, and
 * --virtual-time advances that emulator's clock instead of sleeping through waits.
 * Lambda logs go to `.proton-local/logs/<function>.log`. Exits non-zero on failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { consoleReporter, summarize } from './report';
import { LocalRunner } from './runner';

const USAGE = 'Usage: npm run local -- deploy|destroy --app <cdk.out directory | "app command"> [--endpoint <url> [--virtual-time]] '
  + '[--context key=value ...] [--output <dir>]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'app': { type: 'string' },
      'endpoint': { type: 'string' },
      'virtual-time': { type: 'boolean', default: false },
      'context': { type: 'string', multiple: true },
      'output': { type: 'string' },
    },
  });
  const [command] = positionals;
  if ((command !== 'deploy' && command !== 'destroy') || positionals.length !== 1 || !values.app) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const context = Object.fromEntries((values.context ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--context ${pair}: expected key=value.`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  }));
  const isDirectory = fs.existsSync(values.app) && fs.statSync(values.app).isDirectory();
  const stateDirectory = path.join(isDirectory ? path.dirname(path.resolve(values.app)) : process.cwd(), '.proton-local');
  const reporter = consoleReporter();
  const logDirectory = path.join(stateDirectory, 'logs');
  fs.mkdirSync(logDirectory, { recursive: true });
  const runner = await LocalRunner.start({
    endpoint: values.endpoint,
    virtualTime: values['virtual-time'],
    stateDirectory,
    onEvent: reporter.event,
    onMessage: reporter.message,
    onLog: ({ functionName, line }) => fs.appendFileSync(path.join(logDirectory, `${functionName}.log`), `${line}\n`),
  });
  if (!values.endpoint) {
    process.stdout.write(`Embedded Proton emulator at ${runner.endpoint} (virtual time; its state lasts for this run only)\n`);
  }
  try {
    const synth = { context, outdir: values.output };
    const result = command === 'deploy' ? await runner.deploy(values.app, synth) : await runner.destroy(values.app, synth);
    process.stdout.write(`${summarize(command, result).join('\n')}\nLambda logs: ${logDirectory}\n`);
    return result.success ? 0 : 1;
  } finally {
    await runner.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
