import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 20000,
    hookTimeout: 30000,
    // Each file in its own process: host tests hold ptys, namespaces and qmi-proxy.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit+host', include: ['test/unit/**/*.test.ts', 'test/host/**/*.test.ts'] } },
      // Lab files boot QEMU (TCG) one VM at a time: never two lab files at once on a 2-core machine.
      { extends: true, test: { name: 'lab', include: ['test/lab/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
