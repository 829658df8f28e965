/*
 * rmnetctl's native addon: the few system calls Node cannot make well.
 *
 * - character devices (/dev/cdc-wdm*, ptys) opened non-blocking and read/written until EAGAIN;
 *   readiness comes from uv_poll, so no libuv threadpool thread is ever parked in a blocking read
 *   (a parked read on cdc-wdm starves dns/fs/crypto for the whole process, and cannot be cancelled);
 * - a NETLINK_ROUTE socket (optionally created inside another network namespace) with extended acks;
 * - openpty in raw mode, for the emulated modem's test transport;
 * - flock, for the per-modem lock;
 * - a packet socket bound to one interface, for `rmnetctl capture` (and a TUN device for its tests).
 *
 * Errors are thrown as Error objects whose `code` is the errno name (EBUSY, EACCES, ...) and whose
 * `errno` is the number, so the TypeScript side maps them to typed errors naming the path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <time.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <node_api.h>
#include <pty.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define CHECK(call)                                                                 \
  do {                                                                              \
    if ((call) != napi_ok) {                                                        \
      napi_throw_error(env, "EADDON", "napi call failed: " #call);                  \
      return NULL;                                                                  \
    }                                                                               \
  } while (0)

static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ERANGE: return "ERANGE";
    case ENOBUFS: return "ENOBUFS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EINPROGRESS: return "EINPROGRESS";
    case ENETDOWN: return "ENETDOWN";
    case ESHUTDOWN: return "ESHUTDOWN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOTCONN: return "ENOTCONN";
    case EADDRINUSE: return "EADDRINUSE";
    case EPROTO: return "EPROTO";
    case EOVERFLOW: return "EOVERFLOW";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value msg, code, errnum, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "code", code);
  napi_throw(env, error);
  return NULL;
}

static int get_int(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

/* open(path, flags) -> fd. O_NONBLOCK and O_CLOEXEC are always added. */
static napi_value fn_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t len = 0;
  int32_t flags = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok ||
      !get_int(env, argv[1], &flags)) {
    napi_throw_type_error(env, "EARGS", "open(path: string, flags: number)");
    return NULL;
  }
  int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, path);
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

static napi_value fn_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EARGS", "close(fd: number)");
    return NULL;
  }
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

/* read(fd, buffer) -> bytes read (0 = end of file), or -1 when nothing is ready (EAGAIN). */
static napi_value fn_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok) {
    napi_throw_type_error(env, "EARGS", "read(fd: number, buffer: Buffer)");
    return NULL;
  }
  ssize_t n;
  do n = read(fd, data, size); while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) n = -1;
    /* A pty master reads EIO once the slave side is closed: that is an end of file. */
    else if (errno == EIO) n = 0;
    else return throw_errno(env, errno, "read");
  }
  napi_value result;
  CHECK(napi_create_int32(env, (int32_t)n, &result));
  return result;
}

/* write(fd, buffer) -> bytes written, or -1 when the device cannot take more now (EAGAIN). */
static napi_value fn_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok) {
    napi_throw_type_error(env, "EARGS", "write(fd: number, buffer: Buffer)");
    return NULL;
  }
  ssize_t n;
  do n = write(fd, data, size); while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) n = -1;
    else return throw_errno(env, errno, "write");
  }
  napi_value result;
  CHECK(napi_create_int32(env, (int32_t)n, &result));
  return result;
}

/* ---- uv_poll watcher ---------------------------------------------------------------------- */

/*
 * A watcher is owned by two parties: libuv (until uv_close's callback) and the JS external (until the
 * garbage collector finalizes it). It is freed only when both have let go, whichever comes last.
 */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  int closing;   /* uv_close called: no more callbacks into JS */
  int closed;    /* uv_close finished: libuv no longer holds the handle */
  int finalized; /* the JS external is gone */
} watcher_t;

static void watcher_on_close(uv_handle_t *handle) {
  watcher_t *w = (watcher_t *)handle->data;
  w->closed = 1;
  if (w->finalized) free(w);
}

static void watcher_begin_close(napi_env env, watcher_t *w) {
  if (w->closing) return;
  w->closing = 1;
  napi_delete_reference(env, w->callback);
  w->callback = NULL;
  uv_close((uv_handle_t *)&w->handle, watcher_on_close);
}

static void watcher_on_event(uv_poll_t *handle, int status, int events) {
  watcher_t *w = (watcher_t *)handle->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, argv[2];
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && callback != NULL) {
    napi_get_global(env, &global);
    napi_create_int32(env, status, &argv[0]);
    napi_create_int32(env, events, &argv[1]);
    napi_value ignored;
    /* make_callback runs microtasks afterwards, like any libuv-driven callback in Node. */
    napi_make_callback(env, NULL, global, callback, 2, argv, &ignored);
  }
  napi_close_handle_scope(env, scope);
}

static void watcher_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  watcher_t *w = (watcher_t *)data;
  w->finalized = 1;
  if (!w->closing) watcher_begin_close(env, w); /* frees in watcher_on_close */
  else if (w->closed) free(w);
}

/* watch(fd, callback(status, events)) -> watcher. Events: 1 readable, 2 writable. */
static napi_value fn_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype type;
  if (argc < 2 || !get_int(env, argv[0], &fd) || napi_typeof(env, argv[1], &type) != napi_ok ||
      type != napi_function) {
    napi_throw_type_error(env, "EARGS", "watch(fd: number, callback: function)");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "watch");
  int rc = uv_poll_init(loop, &w->handle, fd);
  if (rc != 0) {
    free(w);
    return throw_errno(env, -rc, "uv_poll_init");
  }
  w->handle.data = w;
  w->env = env;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_value external;
  CHECK(napi_create_external(env, w, watcher_finalize, NULL, &external));
  return external;
}

static watcher_t *get_watcher(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return (watcher_t *)data;
}

/* watchStart(watcher, events): (re)arm for 1 readable | 2 writable. */
static napi_value fn_watch_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t events;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watcher_t *w = argc >= 2 ? get_watcher(env, argv[0]) : NULL;
  if (w == NULL || !get_int(env, argv[1], &events)) {
    napi_throw_type_error(env, "EARGS", "watchStart(watcher, events: number)");
    return NULL;
  }
  if (w->closing) return NULL;
  int uv_events = ((events & 1) ? UV_READABLE : 0) | ((events & 2) ? UV_WRITABLE : 0);
  int rc = uv_events ? uv_poll_start(&w->handle, uv_events, watcher_on_event) : uv_poll_stop(&w->handle);
  if (rc != 0) return throw_errno(env, -rc, "uv_poll_start");
  return NULL;
}

/* watchClose(watcher): stop and release; safe to call twice. Call before closing the fd. */
static napi_value fn_watch_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watcher_t *w = argc >= 1 ? get_watcher(env, argv[0]) : NULL;
  if (w == NULL) {
    napi_throw_type_error(env, "EARGS", "watchClose(watcher)");
    return NULL;
  }
  watcher_begin_close(env, w);
  return NULL;
}

/* ---- pseudo-terminal ---------------------------------------------------------------------- */

/* openpty() -> { master, slave, path }, both ends raw (no echo, no line editing, 8-bit clean). */
static napi_value fn_openpty(napi_env env, napi_callback_info info) {
  (void)info;
  int master, slave;
  char name[256];
  struct termios tio;
  memset(&tio, 0, sizeof tio);
  cfmakeraw(&tio);
  if (openpty(&master, &slave, name, &tio, NULL) < 0) return throw_errno(env, errno, "openpty");
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  napi_create_int32(env, master, &v);
  napi_set_named_property(env, result, "master", v);
  napi_create_int32(env, slave, &v);
  napi_set_named_property(env, result, "slave", v);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "path", v);
  return result;
}

/* ---- netlink ------------------------------------------------------------------------------ */

/*
 * socket() inside the network namespace named by `netns` (a path such as /run/netns/NAME; null/undefined:
 * this thread's own). setns() moves only the calling thread, which is moved back at once; the socket stays
 * in the namespace it was made in. Returns -1 after throwing.
 */
static int socket_in_netns(napi_env env, napi_value netns, int domain, int type, int protocol) {
  char nspath[4096] = {0};
  size_t len = 0;
  napi_valuetype value_type = napi_undefined;
  if (netns != NULL) napi_typeof(env, netns, &value_type);
  if (value_type == napi_string) napi_get_value_string_utf8(env, netns, nspath, sizeof nspath, &len);
  int original = -1, target = -1;
  if (nspath[0]) {
    original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) return throw_errno(env, errno, "/proc/thread-self/ns/net"), -1;
    target = open(nspath, O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNET) < 0) {
      int err = errno;
      close(original);
      if (target >= 0) close(target);
      return throw_errno(env, err, nspath), -1;
    }
  }
  int fd = socket(domain, type, protocol);
  int err = fd < 0 ? errno : 0;
  if (original >= 0) {
    /* Always return the thread to where it was, even if socket() failed. */
    setns(original, CLONE_NEWNET);
    close(original);
    close(target);
  }
  if (fd < 0) return throw_errno(env, err, "socket"), -1;
  return fd;
}

/*
 * netlinkOpen(protocol, groups, netnsPath | null) -> fd, non-blocking, with extended acks.
 * With a netns path the socket is created inside that namespace: setns() moves only the calling
 * thread, which is moved back at once, and the socket stays in the namespace it was made in.
 */
static napi_value fn_netlink_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t protocol, groups;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &protocol) || !get_int(env, argv[1], &groups)) {
    napi_throw_type_error(env, "EARGS", "netlinkOpen(protocol: number, groups: number, netns?: string)");
    return NULL;
  }
  int fd = socket_in_netns(env, argc >= 3 ? argv[2] : NULL, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return NULL;
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_nl local;
  memset(&local, 0, sizeof local);
  local.nl_family = AF_NETLINK;
  local.nl_groups = (uint32_t)groups;
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind(AF_NETLINK)");
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* netlinkJoin(fd, group): subscribe to one multicast group by number (RTNLGRP_*). */
static napi_value fn_netlink_join(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, group;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &group)) {
    napi_throw_type_error(env, "EARGS", "netlinkJoin(fd: number, group: number)");
    return NULL;
  }
  if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return throw_errno(env, errno, "NETLINK_ADD_MEMBERSHIP");
  return NULL;
}

/* ---- flock -------------------------------------------------------------------------------- */

/* flock(fd, operation) -> true when taken, false when LOCK_NB and held elsewhere. */
static napi_value fn_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, op;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &op)) {
    napi_throw_type_error(env, "EARGS", "flock(fd: number, operation: number)");
    return NULL;
  }
  int rc;
  do rc = flock(fd, op); while (rc < 0 && errno == EINTR);
  napi_value result;
  if (rc < 0 && errno == EWOULDBLOCK) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  if (rc < 0) return throw_errno(env, errno, "flock");
  napi_get_boolean(env, true, &result);
  return result;
}

/* ---- unix sockets --------------------------------------------------------------------------- */

/*
 * Reads a socket path argument into `address`; a leading '@' names an abstract socket. Returns the exact
 * address length (abstract names are not padded: the listener's length must match), or 0 after throwing.
 */
static socklen_t unix_address(napi_env env, napi_value value, struct sockaddr_un *address, const char *usage) {
  char path[sizeof address->sun_path + 1];
  size_t path_len = 0;
  if (napi_get_value_string_utf8(env, value, path, sizeof path, &path_len) != napi_ok || path_len == 0 ||
      path_len >= sizeof address->sun_path) {
    napi_throw_type_error(env, "EARGS", usage);
    return 0;
  }
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  memcpy(address->sun_path, path, path_len);
  if (path[0] == '@') address->sun_path[0] = 0;
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
}

/*
 * unixConnect(path) -> fd: a non-blocking AF_UNIX stream socket connected to `path`; a leading '@' or
 * NUL names an abstract socket. The address length is exact: Node pads abstract names to 108 bytes, so
 * it cannot reach "\0qmi-proxy" (libqmi's proxy listens on the unpadded name).
 */
static napi_value fn_unix_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct sockaddr_un address;
  socklen_t address_len = argc < 1 ? 0 : unix_address(env, argv[0], &address, "unixConnect(path: string)");
  if (address_len == 0) {
    if (argc < 1) napi_throw_type_error(env, "EARGS", "unixConnect(path: string)");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket(AF_UNIX)");
  int rc;
  do rc = connect(fd, (struct sockaddr *)&address, address_len); while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect(AF_UNIX)");
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* ---- ethtool ------------------------------------------------------------------------------ */

/*
 * ethtoolValue(ifname, cmd, value?, netnsPath?) -> number: one SIOCETHTOOL call with a struct ethtool_value, e.g.
 * ETHTOOL_GRXCSUM / ETHTOOL_SRXCSUM (what "ethtool -k/-K NAME rx" do). With `value` it sets and returns it,
 * without it returns what the driver reports. rtnetlink has no attribute for offload features.
 */
static napi_value fn_ethtool_value(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ + 1];
  size_t name_len = 0;
  int32_t cmd, value = 0;
  napi_valuetype type = napi_undefined;
  if (argc >= 3) napi_typeof(env, argv[2], &type);
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok || name_len == 0 ||
      name_len >= IFNAMSIZ || !get_int(env, argv[1], &cmd) || (type == napi_number && !get_int(env, argv[2], &value))) {
    napi_throw_type_error(env, "EARGS", "ethtoolValue(ifname: string, cmd: number, value?: number)");
    return NULL;
  }
  struct ethtool_value ev = {.cmd = (uint32_t)cmd, .data = (uint32_t)value};
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, name_len);
  ifr.ifr_data = (void *)&ev;
  /* The ioctl acts in the namespace of the socket it goes through. */
  int fd = socket_in_netns(env, argc >= 4 ? argv[3] : NULL, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return NULL;
  int rc = ioctl(fd, SIOCETHTOOL, &ifr);
  int err = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, err, name);
  napi_value result;
  CHECK(napi_create_int32(env, (int32_t)ev.data, &result));
  return result;
}

/* ---- systemd notification ---------------------------------------------------------------- */

/*
 * sdNotify(socketPath, message): one datagram to $NOTIFY_SOCKET (AF_UNIX, SOCK_DGRAM), which Node's
 * dgram module cannot send. A leading '@' names an abstract socket.
 */
static napi_value fn_sd_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const char *usage = "sdNotify(socketPath: string, message: string)";
  char message[4096];
  size_t message_len = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_len) != napi_ok) {
    napi_throw_type_error(env, "EARGS", usage);
    return NULL;
  }
  struct sockaddr_un address;
  socklen_t address_len = unix_address(env, argv[0], &address, usage);
  if (address_len == 0) return NULL;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket(AF_UNIX)");
  ssize_t n = sendto(fd, message, message_len, MSG_NOSIGNAL, (struct sockaddr *)&address, address_len);
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, err, "sendto($NOTIFY_SOCKET)");
  return NULL;
}

/* ---- packet socket (capture) ------------------------------------------------------------------ */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/*
 * packetOpen(ifname, rcvbuf, incomingOnly, netnsPath | null) -> { fd, ifindex, hatype, rcvbuf }.
 * AF_PACKET/SOCK_DGRAM/ETH_P_ALL in the caller's network namespace (or the named one: benchmarks), bound to the interface (bind, so no
 * frame of another interface is ever queued), non-blocking, close-on-exec. SOCK_DGRAM: the kernel strips
 * a link-layer header when the device has one (802.3 mode) and hands raw-ip devices' frames as they are, so
 * the caller always gets what follows L2: a QMAP transfer or an IP packet. Receive buffer: SO_RCVBUFFORCE
 * (privileged: past rmem_max), else SO_RCVBUF; the size the kernel settled on is returned. Timestamps:
 * SO_TIMESTAMPNS, read from each datagram's control message. incomingOnly: PACKET_IGNORE_OUTGOING (4.20+;
 * packetReadBatch also reports sll_pkttype so older kernels' outgoing copies can be skipped).
 */
static napi_value fn_packet_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char name[IF_NAMESIZE + 1] = {0};
  size_t len = 0;
  int32_t rcvbuf = 0;
  bool incoming_only = true;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len == 0 ||
      len >= IF_NAMESIZE || !get_int(env, argv[1], &rcvbuf) || napi_get_value_bool(env, argv[2], &incoming_only) != napi_ok) {
    napi_throw_type_error(env, "EARGS", "packetOpen(ifname: string, rcvbuf: number, incomingOnly: boolean, netns?: string)");
    return NULL;
  }
  int fd = socket_in_netns(env, argc >= 4 ? argv[3] : NULL, AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return NULL;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, name);
  }
  int ifindex = ifr.ifr_ifindex;
  int hatype = -1;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) hatype = ifr.ifr_hwaddr.sa_family;
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (incoming_only) setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  struct sockaddr_ll local;
  memset(&local, 0, sizeof local);
  local.sll_family = AF_PACKET;
  local.sll_protocol = htons(ETH_P_ALL);
  local.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind(AF_PACKET)");
  }
  /* Frames queued between socket() and bind() may belong to any interface: drop them. */
  char scratch[1];
  while (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT | MSG_TRUNC) >= 0) {}
  struct tpacket_stats reset;
  socklen_t reset_len = sizeof reset;
  getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &reset, &reset_len);
  int actual = 0;
  socklen_t actual_len = sizeof actual;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &actual_len);
  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, fd, &v));
  CHECK(napi_set_named_property(env, result, "fd", v));
  CHECK(napi_create_int32(env, ifindex, &v));
  CHECK(napi_set_named_property(env, result, "ifindex", v));
  CHECK(napi_create_int32(env, hatype, &v));
  CHECK(napi_set_named_property(env, result, "hatype", v));
  CHECK(napi_create_int32(env, actual, &v));
  CHECK(napi_set_named_property(env, result, "rcvbuf", v));
  return result;
}

/*
 * packetReadBatch(fd, slab, frameSize, meta: Float64Array(3 * n)) -> frames read (recvmmsg), or -1 when
 * nothing is ready. Frame i is stored at slab[i * frameSize] (at most frameSize bytes) and described by
 * meta[3i] = sll_pkttype (PACKET_HOST, PACKET_OUTGOING, ...), meta[3i+1] = the kernel's receive time in
 * microseconds since the epoch (read time when no timestamp came), meta[3i+2] = the frame's full length
 * (larger than frameSize when cut). One system call for up to 64 frames: on a virtualised machine the call
 * itself costs microseconds, which bounded the capture at one transfer per call.
 */
#define PACKET_BATCH_MAX 64
static napi_value fn_packet_read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, frame_size;
  void *data, *meta_data;
  size_t size, meta_length;
  napi_typedarray_type meta_type;
  napi_value meta_buffer;
  size_t meta_offset;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !get_int(env, argv[0], &fd) || napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok ||
      !get_int(env, argv[2], &frame_size) || frame_size <= 0 ||
      napi_get_typedarray_info(env, argv[3], &meta_type, &meta_length, &meta_data, &meta_buffer, &meta_offset) != napi_ok ||
      meta_type != napi_float64_array || meta_length < 3 || size < (size_t)frame_size) {
    napi_throw_type_error(env, "EARGS", "packetReadBatch(fd: number, slab: Buffer, frameSize: number, meta: Float64Array)");
    return NULL;
  }
  double *meta = meta_data;
  unsigned vlen = (unsigned)(size / (size_t)frame_size);
  if (vlen > meta_length / 3) vlen = (unsigned)(meta_length / 3);
  if (vlen > PACKET_BATCH_MAX) vlen = PACKET_BATCH_MAX;
  struct mmsghdr msgs[PACKET_BATCH_MAX];
  struct iovec iovs[PACKET_BATCH_MAX];
  struct sockaddr_ll froms[PACKET_BATCH_MAX];
  union {
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } controls[PACKET_BATCH_MAX];
  memset(msgs, 0, sizeof(struct mmsghdr) * vlen);
  for (unsigned i = 0; i < vlen; i++) {
    iovs[i].iov_base = (char *)data + (size_t)i * (size_t)frame_size;
    iovs[i].iov_len = (size_t)frame_size;
    msgs[i].msg_hdr.msg_name = &froms[i];
    msgs[i].msg_hdr.msg_namelen = sizeof froms[i];
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = controls[i].buf;
    msgs[i].msg_hdr.msg_controllen = sizeof controls[i].buf;
  }
  int n;
  /* MSG_TRUNC: each msg_len is the frame's full length, so a frame longer than frameSize is seen as such. */
  do n = recvmmsg(fd, msgs, vlen, MSG_DONTWAIT | MSG_TRUNC, NULL); while (n < 0 && errno == EINTR);
  napi_value result;
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, errno, "recvmmsg(AF_PACKET)");
    CHECK(napi_create_int32(env, -1, &result));
    return result;
  }
  struct timespec now = {0, 0};
  for (int i = 0; i < n; i++) {
    struct timespec stamp = {0, 0};
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    }
    if (stamp.tv_sec == 0) {
      if (now.tv_sec == 0) clock_gettime(CLOCK_REALTIME, &now);
      stamp = now;
    }
    meta[3 * i] = froms[i].sll_pkttype;
    meta[3 * i + 1] = (double)stamp.tv_sec * 1e6 + (double)(stamp.tv_nsec / 1000);
    meta[3 * i + 2] = (double)msgs[i].msg_len;
  }
  CHECK(napi_create_int32(env, n, &result));
  return result;
}

/* packetStats(fd) -> { packets, drops } since the last call (PACKET_STATISTICS resets on read). */
static napi_value fn_packet_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EARGS", "packetStats(fd: number)");
    return NULL;
  }
  struct tpacket_stats stats;
  socklen_t stats_len = sizeof stats;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &stats_len) < 0)
    return throw_errno(env, errno, "PACKET_STATISTICS");
  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  /* tp_packets counts every frame the socket took, dropped ones included. */
  CHECK(napi_create_uint32(env, stats.tp_packets, &v));
  CHECK(napi_set_named_property(env, result, "packets", v));
  CHECK(napi_create_uint32(env, stats.tp_drops, &v));
  CHECK(napi_set_named_property(env, result, "drops", v));
  return result;
}

/*
 * tunOpen(name, withPacketInfo, netnsPath | null) -> fd: a TUN device (IFF_TUN; IFF_NO_PI unless
 * withPacketInfo), made or attached inside the named network namespace (null: this one). With packet info
 * every write starts with struct tun_pi, whose protocol the kernel takes as is: that is how tests inject
 * frames that are not IP (QMAP transfers, ETH_P_MAP) on a raw-ip device.
 */
static napi_value fn_tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char name[IF_NAMESIZE + 1] = {0};
  size_t len = 0;
  bool with_pi = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len >= IF_NAMESIZE ||
      napi_get_value_bool(env, argv[1], &with_pi) != napi_ok) {
    napi_throw_type_error(env, "EARGS", "tunOpen(name: string, withPacketInfo: boolean, netns?: string)");
    return NULL;
  }
  char nspath[4096] = {0};
  size_t nslen = 0;
  napi_valuetype value_type = napi_undefined;
  if (argc >= 3) napi_typeof(env, argv[2], &value_type);
  if (value_type == napi_string) napi_get_value_string_utf8(env, argv[2], nspath, sizeof nspath, &nslen);
  int original = -1, target = -1;
  if (nspath[0]) {
    original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) return throw_errno(env, errno, "/proc/thread-self/ns/net");
    target = open(nspath, O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNET) < 0) {
      int err = errno;
      close(original);
      if (target >= 0) close(target);
      return throw_errno(env, err, nspath);
    }
  }
  /* The device lives in the namespace the /dev/net/tun file was opened in. */
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  if (original >= 0) {
    setns(original, CLONE_NEWNET);
    close(original);
    close(target);
  }
  if (fd < 0) return throw_errno(env, err, "/dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | (with_pi ? 0 : IFF_NO_PI);
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    err = errno;
    close(fd);
    return throw_errno(env, err, "TUNSETIFF");
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* ---- module ------------------------------------------------------------------------------- */

static napi_value define_int(napi_env env, napi_value exports, const char *name, int32_t value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, exports, name, v);
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor functions[] = {
      {"open", NULL, fn_open, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, fn_close, NULL, NULL, NULL, napi_default, NULL},
      {"read", NULL, fn_read, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, fn_write, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, fn_watch, NULL, NULL, NULL, napi_default, NULL},
      {"watchStart", NULL, fn_watch_start, NULL, NULL, NULL, napi_default, NULL},
      {"watchClose", NULL, fn_watch_close, NULL, NULL, NULL, napi_default, NULL},
      {"openpty", NULL, fn_openpty, NULL, NULL, NULL, napi_default, NULL},
      {"netlinkOpen", NULL, fn_netlink_open, NULL, NULL, NULL, napi_default, NULL},
      {"netlinkJoin", NULL, fn_netlink_join, NULL, NULL, NULL, napi_default, NULL},
      {"flock", NULL, fn_flock, NULL, NULL, NULL, napi_default, NULL},
      {"sdNotify", NULL, fn_sd_notify, NULL, NULL, NULL, napi_default, NULL},
      {"unixConnect", NULL, fn_unix_connect, NULL, NULL, NULL, napi_default, NULL},
      {"ethtoolValue", NULL, fn_ethtool_value, NULL, NULL, NULL, napi_default, NULL},
      {"packetOpen", NULL, fn_packet_open, NULL, NULL, NULL, napi_default, NULL},
      {"packetReadBatch", NULL, fn_packet_read_batch, NULL, NULL, NULL, napi_default, NULL},
      {"packetStats", NULL, fn_packet_stats, NULL, NULL, NULL, napi_default, NULL},
      {"tunOpen", NULL, fn_tun_open, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  define_int(env, exports, "O_RDONLY", O_RDONLY);
  define_int(env, exports, "O_WRONLY", O_WRONLY);
  define_int(env, exports, "O_RDWR", O_RDWR);
  define_int(env, exports, "O_EXCL", O_EXCL);
  define_int(env, exports, "O_NOCTTY", O_NOCTTY);
  define_int(env, exports, "O_CREAT", O_CREAT);
  define_int(env, exports, "LOCK_EX", LOCK_EX);
  define_int(env, exports, "LOCK_SH", LOCK_SH);
  define_int(env, exports, "LOCK_UN", LOCK_UN);
  define_int(env, exports, "LOCK_NB", LOCK_NB);
  return exports;
}
