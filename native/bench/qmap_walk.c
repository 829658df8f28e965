/*
 * rmnetctl_bench: a C QMAP deaggregation loop, the yardstick for the TypeScript reader (src/qmap/deaggregate.ts).
 * Built as its own node-gyp target so the product addon stays small; used by bench/ and by the agreement test
 * in test/unit/qmap. It must keep the same semantics as QmapReader: same rules, same counters.
 *
 * walk(pool: Uint8Array, lengths: Uint32Array, rounds: number, version: 1|4|5, rmnetRules: boolean,
 *      accepted?: Uint8Array(256)) -> { transfers, packets, bytes, firstBytes, commands, zeroLength,
 *      padTooLong, unknownMux, notIp, badNextHeader, truncated, droppedBytes, trailingBytes }
 *
 * `pool` holds transfers back to back, `lengths` their sizes; the loop walks all of them `rounds` times and sums
 * the counters. `firstBytes` sums the first byte of every delivered packet so the compiler cannot skip the walk
 * (the TypeScript bench does the same).
 *
 * walkRange(buffer, begin, end, version, rmnetRules) -> firstBytes: one transfer per call (see below).
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#define CHECK(call)                                                     \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error(env, "EBENCH", "napi call failed: " #call);      \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

struct counters {
  double transfers, packets, bytes, first_bytes, commands, zero_length, pad_too_long, unknown_mux, not_ip,
      bad_next_header, truncated, dropped_bytes, trailing_bytes;
};

/* One transfer, counted the way QmapReader.next() counts it. */
static void walk_transfer(const uint8_t *data, size_t end, int version, int rmnet, const uint8_t *accepted,
                          struct counters *c) {
  const size_t data_header = version == 5 ? 8 : 4;
  const size_t trailer = version == 4 ? 8 : 0;
  const size_t minimum = rmnet ? 1 : 5;
  size_t position = 0;
  uint64_t packets = 0, bytes = 0, first = 0;

  c->transfers += 1;
  while (end - position >= minimum) {
    if (end - position < 4) break;
    const uint8_t flags = data[position];
    const size_t length = ((size_t)data[position + 2] << 8) | data[position + 3];
    const int command = (flags & 0x80) != 0;
    const size_t header = command ? 4 : data_header;
    const size_t frame_end = position + header + length + trailer;
    /* The rules that drop the rest of the transfer, in rmnet_map_deaggregate's order: a v5 data frame without
     * the next-header bit (0x40) first, then a length past the end, then (rmnet) a zero length or a v5 header
     * whose type is not 2. */
    double *drop = NULL;
    if (rmnet && version == 5 && !command && !(flags & 0x40)) drop = &c->bad_next_header;
    else if (frame_end > end) drop = &c->truncated;
    else if (rmnet && length == 0) drop = &c->zero_length;
    else if (rmnet && version == 5 && !command && (data[position + 4] >> 1) != 2) drop = &c->bad_next_header;
    if (drop) {
      *drop += 1;
      c->dropped_bytes += (double)(end - position);
      position = end;
      goto done;
    }
    const size_t frame_start = position;
    position = frame_end;
    if (command) {
      c->commands += 1;
      continue; /* the bench never delivers commands */
    }
    if (length == 0) {
      c->zero_length += 1;
      continue;
    }
    const size_t pad = flags & 0x3f;
    if (pad >= length) {
      c->pad_too_long += 1;
      continue;
    }
    const uint8_t mux_id = data[frame_start + 1];
    const size_t packet_offset = frame_start + header;
    if (!accepted[mux_id]) {
      c->unknown_mux += 1;
      continue;
    }
    if (!rmnet) {
      const uint8_t nibble = data[packet_offset] & 0xf0;
      if (nibble != 0x40 && nibble != 0x60) {
        c->not_ip += 1;
        continue;
      }
    }
    packets++;
    bytes += length - pad;
    first += data[packet_offset];
  }
  if (end > position) c->trailing_bytes += (double)(end - position);
done:
  c->packets += (double)packets;
  c->bytes += (double)bytes;
  c->first_bytes += (double)first;
}

static napi_status set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value v;
  napi_status status = napi_create_double(env, value, &v);
  if (status != napi_ok) return status;
  return napi_set_named_property(env, object, name, v);
}

static napi_value typed_array_bytes(napi_env env, napi_value value, napi_typedarray_type want, void **data,
                                    size_t *count) {
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  bool is_typed;
  CHECK(napi_is_typedarray(env, value, &is_typed));
  if (!is_typed) {
    napi_throw_type_error(env, "EINVAL", "expected a typed array");
    return NULL;
  }
  CHECK(napi_get_typedarray_info(env, value, &type, count, data, &arraybuffer, &offset));
  if (type != want) {
    napi_throw_type_error(env, "EINVAL", "wrong typed array type");
    return NULL;
  }
  return value;
}

static napi_value walk(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "EINVAL", "walk(pool, lengths, rounds, version, rmnetRules, accepted?)");
    return NULL;
  }
  void *pool_data, *lengths_data;
  size_t pool_length, transfer_count;
  if (!typed_array_bytes(env, argv[0], napi_uint8_array, &pool_data, &pool_length)) return NULL;
  if (!typed_array_bytes(env, argv[1], napi_uint32_array, &lengths_data, &transfer_count)) return NULL;
  int64_t rounds;
  int32_t version;
  bool rmnet;
  CHECK(napi_get_value_int64(env, argv[2], &rounds));
  CHECK(napi_get_value_int32(env, argv[3], &version));
  CHECK(napi_get_value_bool(env, argv[4], &rmnet));

  uint8_t accepted[256];
  memset(accepted, 0, sizeof accepted);
  napi_valuetype accepted_type = napi_undefined;
  if (argc >= 6) CHECK(napi_typeof(env, argv[5], &accepted_type));
  if (accepted_type != napi_undefined && accepted_type != napi_null) {
    void *table;
    size_t table_length;
    if (!typed_array_bytes(env, argv[5], napi_uint8_array, &table, &table_length)) return NULL;
    memcpy(accepted, table, table_length < 256 ? table_length : 256);
    accepted[0] = 0;
    accepted[255] = 0;
  } else {
    memset(accepted + 1, 1, 254);
  }

  const uint8_t *pool = pool_data;
  const uint32_t *lengths = lengths_data;
  size_t total = 0;
  for (size_t i = 0; i < transfer_count; i++) total += lengths[i];
  if (total > pool_length) {
    napi_throw_range_error(env, "ERANGE", "lengths add up past the end of the pool");
    return NULL;
  }

  struct counters c;
  memset(&c, 0, sizeof c);
  for (int64_t round = 0; round < rounds; round++) {
    size_t offset = 0;
    for (size_t i = 0; i < transfer_count; i++) {
      walk_transfer(pool + offset, lengths[i], version, rmnet, accepted, &c);
      offset += lengths[i];
    }
  }

  napi_value result;
  CHECK(napi_create_object(env, &result));
  CHECK(set_number(env, result, "transfers", c.transfers));
  CHECK(set_number(env, result, "packets", c.packets));
  CHECK(set_number(env, result, "bytes", c.bytes));
  CHECK(set_number(env, result, "firstBytes", c.first_bytes));
  CHECK(set_number(env, result, "commands", c.commands));
  CHECK(set_number(env, result, "zeroLength", c.zero_length));
  CHECK(set_number(env, result, "padTooLong", c.pad_too_long));
  CHECK(set_number(env, result, "unknownMux", c.unknown_mux));
  CHECK(set_number(env, result, "notIp", c.not_ip));
  CHECK(set_number(env, result, "badNextHeader", c.bad_next_header));
  CHECK(set_number(env, result, "truncated", c.truncated));
  CHECK(set_number(env, result, "droppedBytes", c.dropped_bytes));
  CHECK(set_number(env, result, "trailingBytes", c.trailing_bytes));
  return result;
}

/*
 * walkRange(buffer: Uint8Array, begin: number, end: number, version: 1|4|5, rmnetRules: boolean) -> firstBytes
 * One transfer per call, every mux id 1..254 accepted: what a receive path calling into C once per transfer
 * would pay (the N-API crossing included), for comparison with the TypeScript reader.
 */
static napi_value walk_range(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "EINVAL", "walkRange(buffer, begin, end, version, rmnetRules)");
    return NULL;
  }
  void *data;
  size_t length;
  if (!typed_array_bytes(env, argv[0], napi_uint8_array, &data, &length)) return NULL;
  int64_t begin, end;
  int32_t version;
  bool rmnet;
  CHECK(napi_get_value_int64(env, argv[1], &begin));
  CHECK(napi_get_value_int64(env, argv[2], &end));
  CHECK(napi_get_value_int32(env, argv[3], &version));
  CHECK(napi_get_value_bool(env, argv[4], &rmnet));
  if (begin < 0 || end < begin || (size_t)end > length) {
    napi_throw_range_error(env, "ERANGE", "begin/end outside the buffer");
    return NULL;
  }
  static uint8_t accepted[256];
  if (!accepted[1]) memset(accepted + 1, 1, 254);
  struct counters c;
  memset(&c, 0, sizeof c);
  walk_transfer((const uint8_t *)data + begin, (size_t)(end - begin), version, rmnet, accepted, &c);
  napi_value result;
  CHECK(napi_create_double(env, c.first_bytes, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "walk", NAPI_AUTO_LENGTH, walk, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "walk", fn));
  CHECK(napi_create_function(env, "walkRange", NAPI_AUTO_LENGTH, walk_range, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "walkRange", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
