// What `rmnetctl profiles` asks a modem: its stored 3GPP profiles, on a WDS client released before returning.
// A modem that refuses the list is an error (it is what the command is for); one that refuses a profile's
// settings still lists the profile, its settings unavailable with the reason.
import { withQmiDevice } from '../qmi/open.js';
import { QmiService } from '../qmi/enums.js';
import { listProfiles, type Profile } from '../wds/profiles.js';
import { openOptions, type PortOptions } from './port.js';

export interface ProfilesReport {
  path: string;
  via: 'char-device' | 'qmi-proxy';
  profiles: Profile[];
}

export async function collectProfiles(options: PortOptions): Promise<ProfilesReport> {
  return withQmiDevice(openOptions(options), async ({ device }) => ({
    path: options.device,
    via: options.proxy ? 'qmi-proxy' : 'char-device',
    profiles: await device.withClient(QmiService.WDS, (wds) => listProfiles(wds)),
  }));
}
