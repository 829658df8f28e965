// Every QMI service rmnetctl speaks, loaded so that each registers its messages in the catalog
// (src/qmi/catalog.ts). For the users that need the full set rather than the services they call: the
// emulated modem, frame decoders, the libqmi comparisons. rmnetctl's own code paths need not import it.
import './qmi/messages.js';
import './dms/messages.js';
import './wda/messages.js';
import './wds/messages.js';
import './wds/profiles.js';
import './nas/messages.js';
import './uim/messages.js';

export { findMessage, registeredMessages } from './qmi/catalog.js';
