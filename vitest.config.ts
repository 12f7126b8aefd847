import { defineConfig } from 'vitest/config';
import { publicSuffixList } from './scripts/public-suffix-list.ts';

// Tests use real SoftHSM tokens, real browsers and OpenSSL; they are slow, not flaky.
export default defineConfig({
  // The extension's modules import the Public Suffix List as the build makes it.
  plugins: [publicSuffixList()],
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
