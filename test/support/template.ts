/** Packages the stack with `serverless package` (no AWS account needed) and reads what CloudFormation would get. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../..');

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Description?: string; Value: unknown }>;
}

/** `serverless package --stage <stage>` with `--param name=value` for each param. */
export async function packageStack(stage: string, params: Record<string, string> = {}): Promise<Template> {
  const outDir = mkdtempSync(join(tmpdir(), 'devhub-package-'));
  try {
    const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    const paramArgs = Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);
    await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir, ...paramArgs],
      { cwd: root, env },
    ).catch((err: Error & { stderr?: string; stdout?: string }) => {
      // Serverless prints why on its output, not in the exit status.
      throw new Error(`serverless package failed: ${err.stderr ?? ''}${err.stdout ?? ''}`);
    });
    return JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * A value as CloudFormation would see it after conditions: `Fn::If` picks its branch (conditions
 * made of `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` over literals and other conditions), and a
 * list element or property that comes out as `AWS::NoValue` is removed.
 */
export function withConditions(template: Template, value: unknown): unknown {
  const NO_VALUE = Symbol('NoValue');
  const condition = (name: string): boolean => evaluate(template.Conditions?.[name]);
  const evaluate = (c: unknown): boolean => {
    const o = c as Record<string, unknown[]>;
    if ('Condition' in o) return condition(String(o.Condition));
    if ('Fn::Equals' in o) {
      const [a, b] = o['Fn::Equals'] ?? [];
      if (typeof a !== 'string' || typeof b !== 'string') throw new Error(`Fn::Equals over a non-literal: ${JSON.stringify(c)}`);
      return a === b;
    }
    if ('Fn::Not' in o) return !evaluate(o['Fn::Not']?.[0]);
    if ('Fn::And' in o) return (o['Fn::And'] ?? []).every(evaluate);
    if ('Fn::Or' in o) return (o['Fn::Or'] ?? []).some(evaluate);
    throw new Error(`unsupported condition ${JSON.stringify(c)}`);
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk).filter((e) => e !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if ('Ref' in o && o.Ref === 'AWS::NoValue') return NO_VALUE;
    if ('Fn::If' in o) {
      const [name, yes, no] = o['Fn::If'] as [string, unknown, unknown];
      return walk(condition(name) ? yes : no);
    }
    return Object.fromEntries(
      Object.entries(o)
        .map(([k, e]) => [k, walk(e)] as const)
        .filter(([, e]) => e !== NO_VALUE),
    );
  };
  return walk(value);
}
