import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The V8 flags `npm start` gives the service: PGlite's WebAssembly stays on its baseline compiler, with no
    // background tier-up. Without them a test fork aborted once (V8 "Check failed: jit_page_->allocations_.erase")
    // while a store thread was being ended mid-compilation; the service never runs that way.
    execArgv: ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'],
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/vitest-report.json' },
  },
});
