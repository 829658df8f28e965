// What the CLI prints: down keeps warnings on stderr (issue 16); a top-level error lists every command.
import { describe, expect, it } from 'vitest';
import { renderDown } from '../../../src/cli/commands/down.js';

describe('down output', () => {
  it('keeps warnings off stdout: they are logged to stderr when they happen', () => {
    const text = renderDown({ modem: '/dev/cdc-wdm0', parent: 'wwan0', removed: [{ muxId: 1, link: 'wwan0.1', recorded: true, stoppedSessions: 1, releasedClients: 1 }], kernelRestored: true, warnings: ['mux 1 releasing WDS client 3: QMI error'] });
    expect(text).toBe('mux 1 down (wwan0.1 deleted)\nwwan0: kernel mode restored');
    expect(text).not.toContain('warning');
  });
});

describe('top-level errors', () => {
  // Issue 16: `rmnetctl --verbose status` printed a cut-down help listing only `status`.
  it('lists every command in the help of an unknown top-level option placed before the command', async () => {
    const { cli } = await import('../../support/cli.js');
    const result = await cli('--no-such-option', 'status');
    expect(result.code).toBe(2);
    for (const command of ['modems', 'links', 'info', 'format', 'up', 'down', 'status', 'run', 'bench']) expect(result.stderr).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });
});
