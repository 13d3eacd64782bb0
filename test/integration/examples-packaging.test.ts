// Examples and packaging on a fresh machine (issue 11): the examples use the
// repository's own bin, the GNU parallel example runs for real, and the package
// ships a LICENSE, a repository field, valid source maps and no install scripts.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, startHttpServer, tempDir } from '../helpers/index.js';

const track = cleanupAfterEach();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

describe('examples', () => {
  it('never run an unpublished package through npx', () => {
    for (const name of readdirSync(EXAMPLES)) {
      const text = readFileSync(join(EXAMPLES, name), 'utf8');
      expect(text, name).not.toMatch(/npx\b/);
    }
  });

  it('the Kubernetes Job resumes its shard, keeps N in one place and states the access modes', () => {
    const text = readFileSync(join(EXAMPLES, 'k8s-indexed-job.yaml'), 'utf8');
    const manifest = text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
    expect(manifest).toContain('--resume');
    expect(manifest).toMatch(/completions: \$\{N\}/);
    expect(manifest).toMatch(/parallelism: \$\{N\}/);
    expect(manifest).toContain('--shard "${JOB_COMPLETION_INDEX}/${N}"');
    expect(manifest).not.toMatch(/\b8\b.*# *N|completions: \d/);
    expect(text).toContain('ReadWriteMany');
    expect(text).toContain('ReadOnlyMany');
    expect(text).toMatch(/cat \/results\/results-\*\.ndjson/);
    expect(existsSync(join(EXAMPLES, 'Dockerfile'))).toBe(true);
  });

  it('the Dockerfile copies what `npm run build` reads: built from those files alone, the CLI runs', () => {
    // No docker here: its build context, as the COPY lines make it, with this checkout's node_modules for `npm ci`.
    const context = tempDir();
    const copied = readFileSync(join(EXAMPLES, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.startsWith('COPY ')).flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const path of copied) execFileSync('cp', ['-r', join(ROOT, path), context]);
    execFileSync('ln', ['-s', join(ROOT, 'node_modules'), join(context, 'node_modules')]);
    // Before: scripts/ was not copied, and the build's bundling step failed (MODULE_NOT_FOUND).
    execFileSync('npm', ['run', '-s', 'build'], { cwd: context, stdio: 'pipe' });
    expect(execFileSync('node', [join(context, 'bin', 'bulkfetch.js'), '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 120_000);

  // CI needs GNU parallel and jq installed (see the report of issue 11); without them this cannot run.
  it.skipIf(!has('parallel') || !has('jq'))('the GNU parallel example runs as written, on this machine as its one host', async () => {
    const server = track(await startHttpServer());
    const dir = tempDir();
    const urls = Array.from({ length: 30 }, (_, i) => `${server.url}/r${i % 25}`);
    writeFileSync(join(dir, 'urls.txt'), `${urls.join('\n')}\n`);
    writeFileSync(join(dir, 'hosts.txt'), ':\n');
    // Async: the test server answers on this process's event loop.
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(join(EXAMPLES, 'gnu-parallel.sh'), [], { cwd: dir, env: { ...process.env, N: '3' }, timeout: 60_000 }, (error, _stdout, stderr) =>
        resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'results.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { line: number });
    expect(lines.map((l) => l.line).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const k of [0, 1, 2]) expect(existsSync(join(dir, `summary-${k}.json`))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ records: 30, sent: 25, cached: 5, status: { '200': 30 } });
    expect(server.requests).toBe(25);
  }, 90_000);
});

describe('package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;

  it('has an MIT LICENSE file matching package.json, and a repository field', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
  });

  it('has no install scripts, which npm warns about on install', () => {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[script], script).toBeUndefined();
  });

  it('ships every file its source maps point at', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(packed[0]!.files.map((f) => f.path));
    const maps = [...files].filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    expect(files.has('LICENSE')).toBe(true);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      sources.forEach((source, i) => {
        // The child's bundle also maps into its dependencies (undici, lru-cache, p-limit): those are
        // installed beside the package, not in it, so the map carries their text itself.
        if (source.includes('node_modules/')) expect(typeof sourcesContent?.[i], `${map} -> ${source}`).toBe('string');
        else expect(files.has(relative(ROOT, normalize(join(ROOT, dirname(map), source)))), `${map} -> ${source}`).toBe(true);
      });
    }
  }, 60_000);
});
