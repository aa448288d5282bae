import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

test("the README's complete app is the app CI installs the packed library into and synthesizes", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /## A complete app\n[\s\S]*?```ts fixture=app\n([\s\S]*?)```/.exec(readme);
  expect(block).not.toBeNull();
  expect(block![1]).toBe(fs.readFileSync(path.join(ROOT, '.ci', 'fresh-app', 'bin', 'app.ts'), 'utf8'));
  // The command current `cdk init` writes (ts-node fails on TypeScript 7).
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, '.ci', 'fresh-app', 'cdk.json'), 'utf8')).app).toBe('npx tsc && npx tsx bin/app.ts');
  expect(readme).toContain('"app": "npx tsc && npx tsx bin/app.ts"');
});

test('the README is split into "Use it" and "Develop it", in that order', () => {
  // Outside fenced blocks (a rendered template prints `# <file>` comments).
  const prose = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
  const headings = prose.split('\n').filter((l) => /^# /.test(l));
  expect(headings).toEqual(['# cdk-proton', '# Use it', '# Develop it']);
});
