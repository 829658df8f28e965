#!/usr/bin/env python3
"""Decodes QMUX frames with libqmi itself (libqmi-glib.so.5 through ctypes) and prints JSON.

Usage: qmi-decode.py HEX [HEX...]        one frame per argument
       qmi-decode.py --enum NAME FROM TO  names libqmi gives to enum values (protocol-error, call-end-reason,
                                          verbose-3gpp), for checking rmnetctl's tables
Output: a JSON array, one object per frame: {"ok": true, "header": {...}, "tlvs": [{"type", "name", "length",
"value", "translated"}]} or {"ok": false, "error": "..."}; rmnetctl's tests compare it TLV by TLV.
"""
import ctypes
import json
import re
import sys

glib = ctypes.CDLL("libglib-2.0.so.0")
qmi = ctypes.CDLL("libqmi-glib.so.5")


class GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


class GByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_uint)]


glib.g_byte_array_new.restype = ctypes.POINTER(GByteArray)
glib.g_byte_array_append.restype = ctypes.POINTER(GByteArray)
glib.g_byte_array_append.argtypes = [ctypes.POINTER(GByteArray), ctypes.c_char_p, ctypes.c_uint]
glib.g_byte_array_unref.argtypes = [ctypes.POINTER(GByteArray)]
glib.g_error_free.argtypes = [ctypes.POINTER(GError)]
glib.g_free.argtypes = [ctypes.c_void_p]
qmi.qmi_message_new_from_raw.restype = ctypes.c_void_p
qmi.qmi_message_new_from_raw.argtypes = [ctypes.POINTER(GByteArray), ctypes.POINTER(ctypes.POINTER(GError))]
qmi.qmi_message_get_printable_full.restype = ctypes.c_void_p
qmi.qmi_message_get_printable_full.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p]
qmi.qmi_message_unref.argtypes = [ctypes.c_void_p]


def decode(frame: bytes) -> dict:
    raw = glib.g_byte_array_new()
    glib.g_byte_array_append(raw, frame, len(frame))
    error = ctypes.POINTER(GError)()
    message = qmi.qmi_message_new_from_raw(raw, ctypes.byref(error))
    left = raw.contents.len
    glib.g_byte_array_unref(raw)
    if not message:
        if error:
            text = error.contents.message.decode(errors="replace")
            glib.g_error_free(error)
            return {"ok": False, "error": text}
        return {"ok": False, "error": "incomplete frame"}
    printable_ptr = qmi.qmi_message_get_printable_full(message, None, b"")
    printable = ctypes.string_at(printable_ptr).decode(errors="replace")
    glib.g_free(printable_ptr)
    qmi.qmi_message_unref(message)
    result = parse_printable(printable)
    result["ok"] = True
    result["trailing"] = left
    return result


def parse_printable(text: str) -> dict:
    header: dict = {}
    tlvs: list = []
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and "=" not in stripped:
            section = stripped[:-1]
            if section == "TLV":
                tlvs.append({})
            continue
        match = re.match(r"^(\w+)\s*=\s*(.*)$", stripped)
        if not match:
            continue
        key, value = match.group(1), match.group(2)
        if section == "TLV" and tlvs:
            tlv = tlvs[-1]
            if key == "type":
                named = re.match(r'^"(.*)" \((0x[0-9a-fA-F]+)\)$', value)
                if named:
                    tlv["name"], tlv["type"] = named.group(1), int(named.group(2), 16)
                else:
                    tlv["name"], tlv["type"] = None, int(value, 0)
            elif key == "length":
                tlv["length"] = int(value)
            else:
                tlv[key] = value
        else:
            header[key] = value
    return {"header": header, "tlvs": tlvs}


ENUMS = {
    "protocol-error": "qmi_protocol_error_get_string",
    "call-end-reason": "qmi_wds_call_end_reason_get_string",
    "verbose-3gpp": "qmi_wds_verbose_call_end_reason_3gpp_get_string",
    "verbose-internal": "qmi_wds_verbose_call_end_reason_internal_get_string",
}


def enum_names(name: str, first: int, last: int) -> dict:
    function = getattr(qmi, ENUMS[name])
    function.restype = ctypes.c_char_p
    function.argtypes = [ctypes.c_int]
    names = {}
    for value in range(first, last + 1):
        text = function(value)
        if text:
            names[value] = text.decode()
    return names


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "--enum":
        print(json.dumps(enum_names(sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4], 0)), indent=1))
        return 0
    print(json.dumps([decode(bytes.fromhex(arg)) for arg in sys.argv[1:]], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
