// Checksum offload on rmnet links. With QMAPv5 the modem marks each downlink packet whose checksum it has
// verified; rmnet trusts that mark only when the link's rx-checksumming feature is on, and a new rmnet link
// has it off (6.1: offered in hw_features, not enabled). Without this step QMAPv5 costs a header and buys
// nothing (measured in the lab: every packet "Checksum computed in software").
//
// Uplink checksum offload stays off: with it the stack would leave checksums for the modem to fill in,
// which only firmware known to do so should be trusted with.
import { Category, RmnetError } from '../errors.js';
import { isSystemError, native } from '../io/native.js';

/** From linux/ethtool.h: the legacy one-feature commands, still served by every driver through features. */
export const ETHTOOL_GRXCSUM = 0x14;
export const ETHTOOL_SRXCSUM = 0x15;

/** What session code needs (a test double records the calls). */
export interface ChecksumOffload {
  setRxChecksum(ifname: string, on: boolean): Promise<boolean>;
}

/** The kernel's ethtool, in this process's network namespace or the one at `netns` (/run/netns/NAME). */
export function kernelChecksumOffload(netns: string | null = null): ChecksumOffload {
  return {
    async setRxChecksum(ifname, on) {
      try {
        native().ethtoolValue(ifname, ETHTOOL_SRXCSUM, on ? 1 : 0, netns);
        return native().ethtoolValue(ifname, ETHTOOL_GRXCSUM, null, netns) !== 0;
    } catch (error) {
        throw new RmnetError('OFFLOAD_FAILED', `${ifname}: cannot switch rx-checksumming ${on ? 'on' : 'off'}: ${(error as Error).message}`, Category.kernel, {
          interface: ifname,
          errno: isSystemError(error) ? error.code : undefined,
        });
      }
    },
  };
}
