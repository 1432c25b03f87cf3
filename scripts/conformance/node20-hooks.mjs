// Module resolve hook registered by node20.mjs (which says why, and what
// upstream says): imports of "fs" made by the conformance suite resolve to
// fs-globsync.mjs; everything else as usual.
const shim = new URL('./fs-globsync.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') &&
      context.parentURL?.includes('/@modelcontextprotocol/conformance/')) {
    return { url: shim, shortCircuit: true };
  }
  return next(specifier, context);
}
