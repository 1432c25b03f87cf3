// Preloaded with `node --import` on Node.js 20 only (scripts/conformance.sh
// decides). The conformance suite is built for Node 22: its bundle imports
// `globSync` from "fs", which Node 20 lacks, so on 20 it dies while linking,
// before running anything. Only its tier-check command calls globSync; the
// `server` command we run never does. This registers a resolve hook that
// hands the suite's own imports of "fs" a module that re-exports node:fs and
// adds a globSync that throws, leaving node_modules untouched.
import { register } from 'node:module';

register('./node20-hooks.mjs', import.meta.url);
