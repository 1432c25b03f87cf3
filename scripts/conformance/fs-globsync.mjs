// node:fs plus the globSync Node 20 lacks (node20.mjs says why, and what
// upstream says). Calling it throws: the suite's server command never does.
import fs from 'node:fs';

export * from 'node:fs';
export default fs;
export function globSync() {
  throw new Error('fs.globSync needs Node.js 22; the conformance server command does not use it');
}
