// Runs the CLI from tsc's module tree (dist/src), as bin/rmnetctl.js did before the bundle (start-up bench only).
const { main } = await import(new URL('../../dist/src/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv);
