/**
 * The import graph points one way (`npm test` runs this through `npm run lint:deps`):
 *
 *   bin -> cli/ -> api, options -> parent/ -> output/ -> wire/ -> http/, input/, stats/, errors
 *                         analyze/ -> parent/cache-plan/ (the pass over a file, shared with the run)
 *                                  child/  ------------> wire/ -> ...
 *
 * The parent starts children by file path (fork), never by import, so the two
 * sides meet only in wire/, their contract.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'A cycle makes load order matter and layers meaningless.', from: {}, to: { circular: true } },
    {
      name: 'child-not-parent',
      severity: 'error',
      comment: 'The child runs in its own process: it meets the parent only through src/wire/.',
      from: { path: '^src/child/' },
      to: { path: '^src/(parent|cli|output|analyze)/|^src/(api|index)\\.ts$|^src/options/' },
    },
    {
      name: 'parent-not-child',
      severity: 'error',
      comment: 'The parent forks the child by path; importing its modules would load them into the parent.',
      from: { path: '^src/(parent|cli|output|analyze)/|^src/(api|index)\\.ts$|^src/options/' },
      to: { path: '^src/child/' },
    },
    {
      name: 'wire-is-a-contract',
      severity: 'error',
      comment: 'The contract between parent and child knows neither side.',
      from: { path: '^src/wire/' },
      to: { path: '^src/(parent|child|cli|output|analyze)/|^src/(api|index)\\.ts$|^src/options/' },
    },
    {
      name: 'lower-layers-stay-low',
      severity: 'error',
      comment: 'http, input, stats and output serve the layers above and never call up into them.',
      from: { path: '^src/(http|input|stats|output)/' },
      to: { path: '^src/(parent|child|cli|analyze)/|^src/(api|index)\\.ts$|^src/options/' },
    },
    {
      name: 'only-cli-is-cli',
      severity: 'error',
      comment: 'Only the CLI exits and talks to people; nothing below imports it.',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
