// One import path for tests: `import { startHttpServer, runCli } from './helpers/index.js'`.
export * from './servers.js';
export * from './proxy.js';
export * from './faulty.js';
export * from './cli.js';
export * from './cleanup.js';
export * from './tree.js';
export { listen, socketCloser } from './tracking.js';
export { caSignedCert, testCert, type CaSignedCert, type TestCert } from './certs.js';
export * from './many-hosts.js';
export { scratchDir } from './scratch-dir.js';
export { startServerProcess, type ServerProcess } from './server-process.js';
