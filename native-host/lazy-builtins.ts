// Node built-ins that only signing and token watching need, taken on their first use instead of when
// the token parts load: loading node:crypto took ~4 ms and node:worker_threads ~0.75 ms (Node 24, a
// fresh process), on the first list-tokens of a starting host, which needs neither (token and
// certificate ids are hashed with shared/sha256, which gives the same digests).

export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}

export function workerThreads(): typeof import('node:worker_threads') {
  return process.getBuiltinModule('node:worker_threads');
}
