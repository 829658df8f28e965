// UIM enum tables, named as libqmi prints them (libqmi 1.32 qmi-enums-uim.h).
import type { EnumTable } from '../qmi/schema.js';

export const UIM_CARD_STATE: EnumTable = { 0: 'absent', 1: 'present', 2: 'error' };
export const UIM_PIN_STATE: EnumTable = { 0: 'not-initialized', 1: 'enabled-not-verified', 2: 'enabled-verified', 3: 'disabled', 4: 'blocked', 5: 'permanently-blocked' };
export const UIM_APPLICATION_TYPE: EnumTable = { 0: 'unknown', 1: 'sim', 2: 'usim', 3: 'ruim', 4: 'csim', 5: 'isim' };
export const UIM_APPLICATION_STATE: EnumTable = {
  0: 'unknown', 1: 'detected', 2: 'pin1-or-upin-pin-required', 3: 'puk1-or-upin-puk-required', 4: 'check-personalization-state', 5: 'pin1-blocked', 6: 'illegal', 7: 'ready',
};
export const UIM_CARD_ERROR: EnumTable = { 0: 'unknown', 1: 'power-down', 2: 'poll', 3: 'no-atr-received', 4: 'voltage-mismatch', 5: 'parity', 6: 'possibly-removed', 7: 'technical' };
export const UIM_PERSONALIZATION_STATE: EnumTable = { 0: 'unknown', 1: 'in-progress', 2: 'ready', 3: 'code-required', 4: 'puk-code-required', 5: 'permanently-blocked' };
export const UIM_PERSONALIZATION_FEATURE: EnumTable = { 0: 'gw-network', 1: 'gw-network-subset', 2: 'gw-service-provider', 3: 'gw-corporate', 4: 'gw-uim', 11: 'unknown' };
