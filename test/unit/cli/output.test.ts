// What the CLI prints: down keeps warnings on stderr (issue 16); a top-level error lists every command.
import { describe, expect, it } from 'vitest';
import { renderDown } from '../../../src/cli/commands/down.js';

describe('down output', () => {
  it('keeps warnings off stdout: they are logged to stderr when they happen', () => {
    const text = renderDown({ modem: '/dev/cdc-wdm0', parent: 'wwan0', removed: [{ muxId: 1, link: 'wwan0.1', recorded: true, stoppedSessions: 1, releasedClients: 1 }], releasedStrays: [], stillHeld: [], freedLost: [], stillLost: [], kernelRestored: true, warnings: ['mux 1 releasing WDS client 3: QMI error'] });
    expect(text).toBe('mux 1 down (wwan0.1 deleted)\nwwan0: kernel mode restored');
    expect(text).not.toContain('warning');
  });
});

describe('parse errors (issues 15 and 16)', () => {
  const run = async (...args: string[]) => (await import('../../support/cli.js')).cli(...args);

  // Issue 16: `rmnetctl --verbose status` printed a cut-down help listing only `status`; issue 15: parse errors
  // printed commander's line and 1.5 KB of help. Now: one line, what was wrong, and where the help is.
  it('down takes exactly one of LINK, --mux or --all', async () => {
    for (const args of [['down', 'wwan0.1', '--mux', '1'], ['down', 'wwan0.1', '--all'], ['down']]) {
      const result = await run(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('rmnetctl: error: down needs exactly one of LINK, --mux N or --all\n');
    }
  });

  it('an unknown option before the command is one line pointing to the top-level help', async () => {
    const result = await run('--no-such-option', 'status');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("rmnetctl: error: unknown option '--no-such-option' (see rmnetctl --help)\n");
  });

  it('a missing required option is one line pointing to the command\'s help, and --json gets the error document', async () => {
    const text = await run('up', '--apn', 'internet');
    expect(text.code).toBe(2);
    expect(text.stderr).toBe("rmnetctl: error: required option '--mux <id>' not specified (see rmnetctl up --help)\n");
    const json = await run('up', '--apn', 'internet', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { parser: 'commander.missingMandatoryOptionValue', code: 'BAD_ARGUMENT', category: 'usage', exitCode: 2, message: "required option '--mux <id>' not specified (see rmnetctl up --help)" } });
    // Neither --apn nor --profile: our own rule, the same one line.
    const neither = await run('up', '--mux', '1');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe('rmnetctl: error: --apn NAME or --profile N is required (--apn "" leaves the APN to the network)\n');
  });

  it('a bad option value from our own parsers gets the JSON document too', async () => {
    const json = await run('format', 'set', '-d', '/dev/null', '--dl-size', '0', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'BAD_ARGUMENT', option: '--dl-size', exitCode: 2 });
    expect(json.stderr.trim().split('\n')).toHaveLength(1);
  });

  // Issue 15: conflicting options were accepted silently (the last one won).
  it('refuses an option given twice, or with its negation, before anything runs', async () => {
    const twice = await run('up', '--mux', '1', '--apn', 'a', '--apn', 'b', '--json');
    expect(twice.code).toBe(2);
    expect(JSON.parse(twice.stdout).error).toMatchObject({ code: 'BAD_ARGUMENT', message: '--apn is given twice: give it once (see rmnetctl up --help)' });
    const both = await run('status', '--proxy', '--no-proxy');
    expect(both.stderr).toBe('rmnetctl: error: --proxy and --no-proxy contradict each other: give one (see rmnetctl status --help)\n');
  });
});
