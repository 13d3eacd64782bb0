#!/usr/bin/env node
// Thin on purpose: everything lives in the compiled library (dist/).
import * as nodeModule from 'node:module';

// The compile cache (Node 22.1+) roughly halves start-up of each child; on Node 20 it is absent.
nodeModule.enableCompileCache?.();
const { runCli } = await import('../dist/cli/main.js');
await runCli();
