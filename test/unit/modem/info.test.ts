// What `info --json` reports of a data format: every key, null where the modem gave no TLV (issue 15).
import { describe, expect, it } from 'vitest';
import { reportedFormat } from '../../../src/modem/info.js';
import { dataFormatFromFields } from '../../../src/wda/data-format.js';
import { describeFormat } from '../../../src/cli/commands/info.js';

describe('reportedFormat', () => {
  it('keeps the keys a modem left out as null instead of dropping them from the JSON', () => {
    // Old firmware: link layer and aggregation only, no size TLVs.
    const decoded = dataFormatFromFields({ linkLayer: 'raw-ip', uplinkAggregation: 'qmap', downlinkAggregation: 'qmap' });
    expect(JSON.parse(JSON.stringify(decoded))).not.toHaveProperty('downlinkMaxSize'); // what was printed before
    const document = JSON.parse(JSON.stringify(reportedFormat(decoded)));
    expect(document).toEqual({
      linkLayer: 'raw-ip', uplinkAggregation: 'qmap', downlinkAggregation: 'qmap',
      downlinkMaxDatagrams: null, downlinkMaxSize: null, uplinkMaxDatagrams: null, uplinkMaxSize: null,
      downlinkMinimumPadding: null, qosFormat: null, flowControl: null,
    });
  });

  it('keeps what the modem gave, zeros and false included', () => {
    const decoded = dataFormatFromFields({ linkLayer: 'raw-ip', uplinkAggregation: 'disabled', downlinkAggregation: 'disabled', downlinkMaxDatagrams: 0, qosFormat: 0 });
    expect(reportedFormat(decoded)).toMatchObject({ downlinkMaxDatagrams: 0, qosFormat: false, downlinkMaxSize: null });
  });

  it('describes a report with null sizes as it describes missing ones', () => {
    const decoded = dataFormatFromFields({ linkLayer: 'raw-ip', uplinkAggregation: 'qmap', downlinkAggregation: 'qmap', downlinkMaxDatagrams: 32 });
    expect(describeFormat(reportedFormat(decoded))).toBe(describeFormat(decoded));
    expect(describeFormat(reportedFormat(decoded))).toBe('link layer raw-ip, aggregation ul qmap / dl qmap, dl max 32 datagrams / ? bytes');
  });
});
