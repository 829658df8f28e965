// UIM (SIM card) messages rmnetctl reads for its SIM context, declared as data. Layout from libqmi 1.32's
// data/qmi-service-uim.json, checked against libqmi's decoder (test/host/qmi/libqmi-decode-services.test.ts).
import { array, struct, u16, u8, type MessageSchema } from '../qmi/schema.js';
import { QmiService } from '../qmi/enums.js';
import { registerMessages } from '../qmi/catalog.js';
import {
  UIM_APPLICATION_STATE, UIM_APPLICATION_TYPE, UIM_CARD_ERROR, UIM_CARD_STATE, UIM_PERSONALIZATION_FEATURE, UIM_PERSONALIZATION_STATE, UIM_PIN_STATE,
} from './enums.js';

const bool = u8();
const cardApplication = struct(
  ['type', u8(UIM_APPLICATION_TYPE)], ['state', u8(UIM_APPLICATION_STATE)], ['personalizationState', u8(UIM_PERSONALIZATION_STATE)],
  ['personalizationFeature', u8(UIM_PERSONALIZATION_FEATURE)],
  ['personalizationRetries', u8()], ['personalizationUnblockRetries', u8()], ['applicationIdentifier', array('u8', u8())],
  ['upinReplacesPin1', bool], ['pin1State', u8(UIM_PIN_STATE)], ['pin1Retries', u8()], ['puk1Retries', u8()],
  ['pin2State', u8(UIM_PIN_STATE)], ['pin2Retries', u8()], ['puk2Retries', u8()],
);
const card = struct(
  ['cardState', u8(UIM_CARD_STATE)], ['upinState', u8(UIM_PIN_STATE)], ['upinRetries', u8()], ['upukRetries', u8()], ['errorCode', u8(UIM_CARD_ERROR)],
  ['applications', array('u8', cardApplication)],
);
/** The slot indexes (0xFFFF: none) point at cards[index >> 8].applications[index & 0xFF]. */
export const cardStatus = struct(['indexGwPrimary', u16()], ['index1xPrimary', u16()], ['indexGwSecondary', u16()], ['index1xSecondary', u16()], ['cards', array('u8', card)]);

export const uimGetCardStatus = {
  service: QmiService.UIM, id: 0x002f, name: 'Get Card Status', request: [], response: [{ id: 0x10, name: 'cardStatus', type: cardStatus }],
} as const satisfies MessageSchema;

registerMessages([uimGetCardStatus]);
