/**
 * A file of this package, by its path from the package root. Found from this
 * module's own URL, which sits directly in dist/ both ways the code runs: as
 * dist/package-file.js (tsc's output, the library) and as the CLI's bundle,
 * dist/bulkfetch-cli.js, where every module shares the bundle's URL. So a
 * relative URL written in another module would break in one of the two.
 */
export function packageFile(path: string): URL {
  return new URL(`../${path}`, import.meta.url);
}
