// Issue 16: `down --all` printed each warning twice without --json (stderr as it happened, stdout again).
import { describe, expect, it } from 'vitest';
import { renderDown } from '../../../src/cli/commands/down.js';

describe('down output', () => {
  it('keeps warnings off stdout: they are logged to stderr when they happen', () => {
    const text = renderDown({ modem: '/dev/cdc-wdm0', parent: 'wwan0', removed: [{ muxId: 1, link: 'wwan0.1', recorded: true, stoppedSessions: 1, releasedClients: 1 }], kernelRestored: true, warnings: ['mux 1 releasing WDS client 3: QMI error'] });
    expect(text).toBe('mux 1 down (wwan0.1 deleted)\nwwan0: kernel mode restored');
    expect(text).not.toContain('warning');
  });
});
