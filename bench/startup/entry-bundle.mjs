// Runs the CLI through the esbuild bundle without the launcher's --version shortcut (start-up bench only).
const { main } = await import(new URL('../../dist/bundle/rmnetctl.mjs', import.meta.url).href);
process.exitCode = await main(process.argv);
