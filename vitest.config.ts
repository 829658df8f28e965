import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 20000,
    hookTimeout: 30000,
    // Host tests share network namespaces and ptys; keep them in one worker per file.
    pool: 'forks',
  },
});
