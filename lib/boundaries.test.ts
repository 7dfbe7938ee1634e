/**
 * The import boundary of eslint.config.mjs holds: the domain may not import the AWS SDK, an
 * adapter, a handler or the CLI. Runs the project's own ESLint config on fixture text (in a
 * child process: the flat config is an ES module, which jest's CommonJS runtime cannot load).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

interface Finding {
  file: string;
  line: number;
  ruleId: string | null;
}

/** Lints each fixture text in place of the file at its path (type-aware parsing needs a file the project knows; nothing is written). */
function lint(fixtures: Record<string, string>): Finding[] {
  const script = `
    import { ESLint } from 'eslint';
    const fixtures = JSON.parse(process.env.FIXTURES);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const [file, code] of Object.entries(fixtures)) {
      for (const r of await eslint.lintText(code, { filePath: file })) {
        for (const m of r.messages) out.push({ file, line: m.line, ruleId: m.ruleId });
      }
    }
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, FIXTURES: JSON.stringify(fixtures) },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Finding[];
}

const restricted = (findings: Finding[], file: string) =>
  findings.filter((f) => f.file === file && f.ruleId === 'no-restricted-imports').map((f) => f.line);

describe('import boundary (npm run lint)', () => {
  let findings: Finding[];
  beforeAll(() => {
    findings = lint({
      // A domain module that reaches into an adapter, the SDK, a handler and the CLI: four errors.
      'lib/registry/registryService.ts': [
        "import { DeviceStore } from '../adapters/aws/deviceStore';",
        "import type { Connection } from '../adapters/aws/connectionStore';",
        "import { KinesisClient } from '@aws-sdk/client-kinesis';",
        "import { handler } from '../../functions/deviceApi';",
        "import { main } from '../../cli/main';",
        'export const used = [DeviceStore, KinesisClient, handler, main] as unknown as Connection[];',
        '',
      ].join('\n'),
      // The composition root and the adapters may use both.
      'lib/hub.ts': [
        "import { DeviceStore } from './adapters/aws/deviceStore';",
        "import { KinesisClient } from '@aws-sdk/client-kinesis';",
        'export const used = [DeviceStore, KinesisClient];',
        '',
      ].join('\n'),
      'lib/adapters/aws/deviceStore.ts': [
        "import { KinesisClient } from '@aws-sdk/client-kinesis';",
        "import { RegistryService } from '../../registry/registryService';",
        'export const used = [KinesisClient, RegistryService];',
        '',
      ].join('\n'),
      // A domain module named like a forbidden folder is not a handler.
      'lib/query/names.ts': ["import type { Fn1 } from './functions';", 'export type Used = Fn1;', ''].join('\n'),
    });
  }, 120_000);

  it('fails a domain module that imports an adapter (value or type), the AWS SDK, a handler or the CLI', () => {
    expect(restricted(findings, 'lib/registry/registryService.ts')).toEqual([1, 2, 3, 4, 5]);
  });

  it('parses every fixture (a parse error would hide the rule)', () => {
    expect(findings.filter((f) => f.ruleId === null)).toEqual([]);
  });

  it('lets the composition root and the adapters import adapters and the SDK', () => {
    expect(restricted(findings, 'lib/hub.ts')).toEqual([]);
    expect(restricted(findings, 'lib/adapters/aws/deviceStore.ts')).toEqual([]);
  });

  it('matches folders, not names: a domain module called functions is fine', () => {
    expect(restricted(findings, 'lib/query/names.ts')).toEqual([]);
  });
});
