import { readFileSync } from 'node:fs';
import { packageFile } from './package-file.js';

/** The package version, read once from package.json beside dist/ (so it never drifts). */
export const VERSION: string = (
  JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }
).version;
