/** Runs the devhub CLI as a user would after `npm start`: only the data dir says where the hub is. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { hubInfo } from './hub';

const bin = resolve(__dirname, '../../bin/devhub.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function devhub(...args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEVHUB_DATA_DIR: hubInfo().dataDir };
  for (const k of Object.keys(env))
    if (k.startsWith('AWS_ENDPOINT_URL') || k === 'DEVHUB_CONNECTION_STRING' || k === 'DEVHUB_URL') delete env[k];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
