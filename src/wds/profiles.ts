// The modem's stored 3GPP profiles (WDS Get Profile List / Get Profile Settings): carriers provision APNs
// as profiles, and `up --profile N` starts a call from one (Start Network's 3GPP profile index TLV, as
// qmicli's --wds-start-network=3gpp-profile=N does). TLV ids and enums from libqmi's qmi-service-wds.json.
import { QmiService } from '../qmi/enums.js';
import type { QmiClient } from '../qmi/device.js';
import { registerMessages } from '../qmi/catalog.js';
import { enumField, numberField, stringField } from '../qmi/fields.js';
import { array, string, struct, u8, type EnumTable, type FieldType, type FieldValue, type MessageSchema } from '../qmi/schema.js';
import { optional, type Answer } from '../modem/optional.js';

export const WDS_PROFILE_TYPE: EnumTable = { 0: '3gpp', 1: '3gpp2', 2: 'all' };
export const WDS_PDP_TYPE: EnumTable = { 0: 'ipv4', 1: 'ppp', 2: 'ipv6', 3: 'ipv4-or-ipv6' };
/** QmiWdsAuthentication flags (pap 1, chap 2): a mask, printed by libqmi as flag names. */
export const profileAuthenticationMask: FieldType = u8();
const string8: FieldType = { kind: 'string8' };

export const wdsGetProfileList = {
  service: QmiService.WDS, id: 0x002a, name: 'Get Profile List',
  request: [{ id: 0x10, name: 'profileType', type: u8(WDS_PROFILE_TYPE) }],
  response: [{ id: 0x01, name: 'profileList', type: array('u8', struct(['profileType', u8(WDS_PROFILE_TYPE)], ['profileIndex', u8()], ['profileName', string8])) }],
} as const satisfies MessageSchema;

export const profileSettingsTlvs = [
  { id: 0x10, name: 'profileName', type: string },
  { id: 0x11, name: 'pdpType', type: u8(WDS_PDP_TYPE) },
  { id: 0x14, name: 'apnName', type: string },
  { id: 0x1b, name: 'username', type: string },
  { id: 0x1d, name: 'authentication', type: profileAuthenticationMask },
  { id: 0x25, name: 'pdpContextNumber', type: u8() },
] as const;

export const wdsGetProfileSettings = {
  service: QmiService.WDS, id: 0x002b, name: 'Get Profile Settings',
  request: [{ id: 0x01, name: 'profileId', type: struct(['profileType', u8(WDS_PROFILE_TYPE)], ['profileIndex', u8()]) }],
  response: profileSettingsTlvs,
} as const satisfies MessageSchema;

registerMessages([wdsGetProfileList, wdsGetProfileSettings]);

export interface ProfileSettings {
  apn: string | null;
  pdpType: string | null;
  username: string | null;
  authentication: Array<'pap' | 'chap'>;
}

export interface Profile {
  index: number;
  name: string;
  /** The profile's settings, or null with the modem's reason (some firmware lists but will not read). */
  settings: Answer<ProfileSettings>;
}

export async function listProfiles(wds: QmiClient): Promise<Profile[]> {
  const list = (await wds.request(wdsGetProfileList, { profileType: '3gpp' })).fields.profileList;
  const entries = Array.isArray(list) ? (list as Array<Record<string, FieldValue>>) : [];
  const profiles: Profile[] = [];
  for (const entry of entries) {
    const index = Number(entry.profileIndex);
    const settings = await optional(async () => {
      const fields = (await wds.request(wdsGetProfileSettings, { profileId: { profileType: '3gpp', profileIndex: index } })).fields;
      const mask = numberField(fields, 'authentication') ?? 0;
      return {
        apn: stringField(fields, 'apnName') ?? null,
        pdpType: enumField(fields, 'pdpType') === undefined ? null : String(enumField(fields, 'pdpType')),
        username: stringField(fields, 'username') ?? null,
        authentication: [...(mask & 1 ? ['pap' as const] : []), ...(mask & 2 ? ['chap' as const] : [])],
      };
    });
    profiles.push({ index, name: typeof entry.profileName === 'string' ? entry.profileName : '', settings });
  }
  return profiles;
}
