// The command table: every command, argument and option of rmnetctl as data. Commander registration
// (cli/define.ts), `--help`, the man pages (cli/manpage.ts) and the shell completions (cli/completion.ts)
// are all generated from it, so they cannot drift apart. Data only: it imports nothing at run time, so
// loading it costs no start-up time beyond its own text.
import type { ExitCode } from './exit-codes.js';

/** What a shell completes for an option's value or an argument. */
export type Completion = 'device' | 'config' | 'file' | 'directory' | 'link';

export interface OptionSpec {
  /** commander's flags: '-d, --device <modem>', '--no-ip'. */
  flags: string;
  /** One line: what it does. */
  help: string;
  /** The values it takes, when they are a fixed list (shown, and completed). Checked by the command. */
  values?: readonly string[];
  /** An integer option: parsed strictly (cli/options.ts parseIntegerOption) within this range. */
  integer?: readonly [number, number];
  /** A directory that must exist (cli/options.ts parseDirectoryOption). */
  directory?: boolean;
  /** Other accepted values, in words ('1..254', 'seconds 0..60'), when neither values nor integer says it. */
  range?: string;
  /** The default commander fills in (the command sees it when the option is not given). */
  default?: string | number;
  /** The default in words, when the command computes it ('auto', '100 + mux id - 1'). */
  defaultText?: string;
  /** true: commander refuses the command without it; a string: required in the way it says. */
  required?: boolean | string;
  /** Accepted, but not shown in --help, the man page or the completions (tests, internal). */
  hidden?: boolean;
  complete?: Completion;
}

export interface ArgumentSpec {
  /** '<name>' required, '[link]' optional. */
  name: string;
  help: string;
  complete?: Completion;
}

export interface Example {
  command: string;
  says: string;
}

export interface CommandSpec {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** The long description (paragraphs separated by a blank line). */
  description: string;
  arguments?: readonly ArgumentSpec[];
  options: readonly OptionSpec[];
  examples: readonly Example[];
  /** The exit codes this command can give, beyond 0. */
  exitCodes: readonly (keyof typeof ExitCode)[];
  /** Where it is documented at length (docs/*.md, with section). */
  docs: string;
  /** format get / format set: the parent has no options or action of its own. */
  subcommands?: readonly CommandSpec[];
}

// ----- options shared by several commands -----
const DEVICE_HELP = 'the modem: control port (/dev/cdc-wdm0), network interface (wwan0), USB path (1-1.4) or IMEI';
export const device = (defaultText = 'the only modem, refused when there are several'): OptionSpec => ({ flags: '-d, --device <modem>', help: DEVICE_HELP, defaultText, complete: 'device' });
/** Session commands: qmi-proxy when it runs (auto), or as told. */
const proxyAuto: readonly OptionSpec[] = [
  { flags: '-p, --proxy', help: "always go through libqmi's qmi-proxy", defaultText: 'auto: through qmi-proxy when it is running' },
  { flags: '--no-proxy', help: 'never use qmi-proxy, even when it is running' },
];
/** Commands that ask a port for a moment: the character device unless told to use qmi-proxy. */
const proxyDirect: readonly OptionSpec[] = [
  { flags: '-p, --proxy', help: "go through libqmi's qmi-proxy (when ModemManager holds the port)", defaultText: 'open the control port directly' },
  { flags: '--no-proxy', help: 'open the control port directly (the default)' },
];
const json: OptionSpec = { flags: '-j, --json', help: 'one JSON document on stdout (an error too: docs/exit-codes.md)' };
const timeout: OptionSpec = { flags: '--timeout <ms>', help: 'how long each QMI request waits, in milliseconds', integer: [100, 600000], defaultText: '5000' };
const sysfsRoot: OptionSpec = { flags: '--sysfs-root <dir>', help: 'read sysfs under this directory (tests, recorded trees)', directory: true, hidden: true };
const stateDir: OptionSpec = { flags: '--state-dir <dir>', help: 'state directory instead of /run/rmnetctl (tests)', hidden: true };
/** Every command: how much it logs on stderr (stdout is never affected). */
export const LOGGING: readonly OptionSpec[] = [
  { flags: '-v, --verbose', help: 'also log debug lines on stderr (QMI requests, decisions)' },
  { flags: '-q, --quiet', help: 'log only warnings and errors on stderr' },
];
const session: readonly OptionSpec[] = [device(), ...proxyAuto, json, sysfsRoot, stateDir];
const port: readonly OptionSpec[] = [device(), ...proxyDirect, timeout, json, sysfsRoot];

export const ENDPOINT_TYPES = ['hsusb', 'hsic', 'pcie', 'embedded', 'bam-dmux'] as const;
const formatCommon: readonly OptionSpec[] = [
  ...port.filter((o) => o !== timeout && o !== json),
  { flags: '--endpoint-iface <n>', help: 'USB interface number of the QMI interface (sends the endpoint TLV)', integer: [0, 255], defaultText: 'no endpoint TLV' },
  { flags: '--endpoint-type <type>', help: 'endpoint type, with --endpoint-iface', values: ENDPOINT_TYPES, default: 'hsusb' },
  timeout,
  json,
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'modems',
    summary: 'list QMI modems: control port, network interface, driver, ids, USB interface, qmi_wwan mode',
    description: 'Lists every QMI modem the kernel shows, from sysfs alone: the control port, its network interface, the driver, USB vendor and product ids, bus path and interface number, and the qmi_wwan attributes raw_ip and pass_through. Needs no root and does not open any port.',
    options: [json, { ...sysfsRoot, default: '/sys' }],
    examples: [
      { command: 'rmnetctl modems', says: 'one line per modem' },
      { command: 'rmnetctl modems -j | jq -r ".modems[].device"', says: 'the control ports, for a script' },
    ],
    exitCodes: ['failure', 'usage'],
    docs: 'docs/usage.md',
  },
  {
    name: 'links',
    summary: 'map every mux id to its link, backend and parent, as the kernel reports them',
    description: 'Maps every mux link to its mux id, backend (qmimux or rmnet), parent interface, state and MTU, from kernel truth: qmap/mux_id in sysfs for qmimux, IFLA_RMNET_MUX_ID over netlink for rmnet.',
    options: [
      device('every modem; a parent interface name (mhi_hwip0) is also taken'),
      json,
      { ...sysfsRoot, default: '/sys' },
    ],
    examples: [
      { command: 'rmnetctl links', says: 'every mux link of every modem' },
      { command: 'rmnetctl links -d wwan0 --json', says: 'the links on wwan0, as JSON' },
    ],
    exitCodes: ['failure', 'usage', 'notFound'],
    docs: 'docs/usage.md',
  },
  {
    name: 'info',
    summary: 'show model, revision, IMEI and the WDA data format of a modem',
    description: 'Asks the modem for its model, revision and IMEI (DMS) and its current data format (WDA). What the modem refuses to tell is shown as unavailable with the reason, "-" when it answered with nothing, and null in --json.',
    options: port,
    examples: [
      { command: 'rmnetctl info -d /dev/cdc-wdm0', says: 'model, revision, IMEI and data format' },
      { command: 'rmnetctl info -d wwan0 -p --json', says: 'the same through qmi-proxy (beside ModemManager), as JSON' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
    docs: 'docs/usage.md',
  },
  {
    name: 'format',
    summary: 'show or set the WDA data format (link layer, aggregation, sizes)',
    description: 'Shows or sets the data format of the modem (WDA Get/Set Data Format): link layer, QMAP aggregation and its sizes. The modem may grant less than asked: set shows requested and granted side by side. rmnetctl up chooses and sets the format itself; format set is for experiments.',
    options: [],
    examples: [
      { command: 'rmnetctl format get -d /dev/cdc-wdm0', says: 'the current data format' },
      { command: 'rmnetctl format set -d wwan0 --aggregation qmap --dl-size 32768', says: 'ask for QMAP with transfers of up to 32 KiB' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
    docs: 'docs/usage.md',
    subcommands: [
      {
        name: 'get',
        summary: 'show the current data format',
        description: 'Shows the data format the modem uses now (WDA Get Data Format).',
        options: formatCommon,
        examples: [
          { command: 'rmnetctl format get -d /dev/cdc-wdm0', says: 'the current data format' },
          { command: 'rmnetctl format get -d wwan0 --endpoint-iface 4 --json', says: 'asking for the endpoint of USB interface 4, as JSON' },
        ],
        exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
        docs: 'docs/usage.md',
      },
      {
        name: 'set',
        summary: 'request a data format and show what the modem granted',
        description: 'Requests a data format (WDA Set Data Format) and shows what the modem granted. At least one of the settings below is needed. When PDNs are up on that modem, changing the format under them breaks them: format set warns (and lists them in "warnings" with --json).',
        options: [
          ...formatCommon,
          { flags: '--link-layer <mode>', help: 'link layer protocol', values: ['raw-ip', '802-3'], default: 'raw-ip' },
          { flags: '--aggregation <protocol>', help: 'aggregation protocol, both directions', values: ['none', 'qmap', 'qmapv4', 'qmapv5'], defaultText: 'unchanged' },
          { flags: '--dl-datagrams <n>', help: 'DL aggregation max datagrams', integer: [1, 0xffffffff], defaultText: 'unchanged' },
          { flags: '--dl-size <bytes>', help: 'DL aggregation max size', integer: [1, 0xffffffff], defaultText: 'unchanged' },
          { flags: '--ul-datagrams <n>', help: 'UL aggregation max datagrams', integer: [1, 0xffffffff], defaultText: 'unchanged' },
          { flags: '--ul-size <bytes>', help: 'UL aggregation max size', integer: [1, 0xffffffff], defaultText: 'unchanged' },
          stateDir,
        ],
        examples: [
          { command: 'rmnetctl format set -d wwan0 --aggregation qmap --dl-datagrams 32', says: 'QMAP, at most 32 datagrams per transfer' },
          { command: 'rmnetctl format set -d /dev/cdc-wdm0 --aggregation none', says: 'back to one packet per transfer' },
        ],
        exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
        docs: 'docs/usage.md',
      },
    ],
  },
  {
    name: 'up',
    summary: 'bring a PDN up on its own mux link: data format, link, session, addresses, routes, DNS',
    description: 'Brings one PDN up on its own mux link: chooses and sets the data format, creates the mux link (qmimux or rmnet), starts the WDS session per IP family, and applies the addresses, default route and DNS the network gave. A failure half-way rolls back everything it did. Needs root.\n\nThe same request as a [pdn] section of rmnetctl.conf(5), with the same defaults.',
    options: [
      { flags: '--mux <id>', help: 'mux id of the PDN, in decimal', range: '1..254', required: true },
      { flags: '--apn <apn>', help: 'access point name (3GPP TS 23.003 labels; "" leaves it to the network)', range: 'at most 100 bytes', required: 'this or --profile' },
      { flags: '--profile <n>', help: 'start from the 3GPP profile stored on the modem (rmnetctl profiles lists them) instead of --apn', required: 'this or --apn' },
      { flags: '--ip-type <type>', help: 'IP families of the session (one WDS client each)', values: ['4', '6', '4v6'], defaultText: '4' },
      { flags: '--auth <method>', help: 'authentication', values: ['none', 'pap', 'chap', 'both'], defaultText: 'none' },
      { flags: '--user <name>', help: 'user name for pap/chap' },
      { flags: '--password-file <path>', help: 'file holding the password (owned by root, mode 600); never the password itself', complete: 'file' },
      { flags: '--password <secret>', help: 'refused: a password on the command line is visible to every user', hidden: true },
      { flags: '--backend <kind>', help: 'kernel mux driver', values: ['auto', 'qmimux', 'rmnet'], defaultText: 'auto' },
      { flags: '--ifname <name>', help: 'name of the rmnet link (qmimux links are named by the kernel)', range: '1..15 bytes', defaultText: 'the kernel\'s' },
      { flags: '--metric <n>', help: 'metric of the default route(s); refused with --no-default-route or --no-ip', range: '0..4294967295', defaultText: '100 + mux id - 1' },
      { flags: '--no-default-route', help: 'add no default route (an IMS or MMS PDN)' },
      { flags: '--no-ip', help: 'start the session but apply no addresses, routes or DNS (the result says what was offered)' },
      { flags: '--dry-run', help: 'print what up would ask the modem and the kernel steps it would take; change nothing (no root needed)' },
      { ...timeout, help: 'how long each QMI request waits, in milliseconds', defaultText: '5000, and 120000 for Start Network' },
      ...session,
    ],
    examples: [
      { command: 'rmnetctl up -d /dev/cdc-wdm0 --mux 1 --apn internet', says: 'one IPv4 PDN on mux 1, default route at metric 100' },
      { command: 'rmnetctl up --mux 2 --apn ims --ip-type 4v6 --no-default-route', says: 'a second PDN, both families, no default route' },
      { command: 'rmnetctl up --mux 1 --apn internet --dry-run', says: 'the plan, nothing changed' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError', 'kernel', 'conflict', 'network'],
    docs: 'docs/usage.md#bringing-a-pdn-up',
  },
  {
    name: 'down',
    summary: 'stop a PDN: session, client ids, addresses, routes, link; restore the kernel mode when it was the last',
    description: 'Stops a PDN and leaves nothing behind: the WDS session, its client ids, addresses, routes and the mux link; when it was the last PDN of the modem, the kernel mode (raw_ip, pass_through) is restored. Give exactly one of LINK, --mux or --all. Needs root.',
    arguments: [{ name: '[link]', help: 'the mux link to take down, as ip(8) names it (wwan0.1, rmnet_mux1), instead of --mux', complete: 'link' }],
    options: [
      { flags: '--mux <id>', help: 'mux id of the PDN', range: '1..254' },
      { flags: '--all', help: 'every PDN of the modem, and every mux link the kernel shows on it' },
      ...session,
    ],
    examples: [
      { command: 'rmnetctl down --mux 1', says: 'the PDN on mux 1' },
      { command: 'rmnetctl down wwan0.1', says: 'the PDN on that link' },
      { command: 'rmnetctl down -d /dev/cdc-wdm0 --all', says: 'everything on that modem' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError', 'kernel', 'conflict'],
    docs: 'docs/usage.md#taking-pdns-down',
  },
  {
    name: 'status',
    summary: 'per modem and mux: link, backend, kernel state, modem session state, addresses, counters',
    description: 'Shows, per modem and mux, the record rmnetctl keeps (/run/rmnetctl), what the kernel has and what the modem says, side by side, with every disagreement listed. A session state the modem will not give is "unavailable" with its reason.',
    arguments: [{ name: '[link]', help: 'only the mux link of that name (wwan0.1)', complete: 'link' }],
    options: [
      { flags: '--mux <id>', help: 'only that mux id', range: '1..254' },
      { flags: '--brief', help: 'one line per mux link, as ip -br does (also -br)' },
      { flags: '--check', help: 'for monitoring: exit 10 (conflict) when anything is not as recorded (the result is printed as usual)' },
      ...session,
    ],
    examples: [
      { command: 'rmnetctl status', says: 'every modem and mux' },
      { command: 'rmnetctl status -br', says: 'one line per link' },
      { command: 'rmnetctl status --check -q >/dev/null || echo drift', says: 'for a monitoring check' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'conflict'],
    docs: 'docs/usage.md#status',
  },
  {
    name: 'doctor',
    summary: 'check driver, modules, qmi_wwan mode, receive size, SIM and registration, leftovers, routes and RX; each with evidence and fix',
    description: 'Runs every check of the data path (driver and modules, qmi_wwan mode, receive size, SIM and registration, leftovers of earlier runs, routes, RX stalls) and prints each with its verdict, the evidence read and the fix. Exits 12 when a check fails; warnings alone exit 0.',
    options: [
      { flags: '--interval <seconds>', help: 'seconds between the two counter readings of the RX-stall check (0: skip it)', range: '0..60', default: 3 },
      ...session,
    ],
    examples: [
      { command: 'rmnetctl doctor', says: 'every check' },
      { command: 'rmnetctl doctor --interval 0 --json', says: 'without the RX-stall wait, as JSON' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'permission', 'unhealthy'],
    docs: 'docs/doctor.md',
  },
  {
    name: 'run',
    summary: 'keep the PDNs of /etc/rmnetctl/NAME.conf up (for systemd: Type=notify)',
    description: 'The supervisor behind rmnetctl@NAME.service: waits for the modem, brings up every PDN of the config, reports READY=1 to systemd, watches their health, reconnects with backoff, and brings everything down on SIGTERM. The whole config is checked before anything is touched. Needs root.',
    arguments: [{ name: '<name>', help: 'config name: /etc/rmnetctl/NAME.conf (letters, digits, -, _, ., @)', complete: 'config' }],
    options: [
      { flags: '--config <path>', help: 'read this file instead of /etc/rmnetctl/NAME.conf', complete: 'file' },
      stateDir,
      sysfsRoot,
    ],
    examples: [
      { command: 'systemctl enable --now rmnetctl@lte', says: 'run /etc/rmnetctl/lte.conf at boot' },
      { command: 'rmnetctl run lte', says: 'the same in the foreground' },
      { command: 'rmnetctl run test --config ./test.conf', says: 'a config outside /etc/rmnetctl' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError', 'kernel', 'conflict'],
    docs: 'docs/systemd.md',
  },
  {
    name: 'profiles',
    summary: "list the modem's stored 3GPP profiles (WDS Get Profile List / Settings), for up --profile N",
    description: 'Lists the 3GPP profiles stored on the modem (WDS Get Profile List and Get Profile Settings): index, name, APN, PDP type, user and authentication, for up --profile N.',
    options: port,
    examples: [
      { command: 'rmnetctl profiles -d /dev/cdc-wdm0', says: 'the stored profiles' },
      { command: 'rmnetctl profiles -p --json', says: 'through qmi-proxy, as JSON' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
    docs: 'docs/usage.md',
  },
  {
    name: 'metrics',
    summary: 'Prometheus metrics: radio, SIM, data format, PDN sessions and mux link counters',
    description: 'The modems\' radio, SIM, data format, PDN sessions and mux link counters in the Prometheus text format. Without --textfile or --listen, one scrape is written to stdout. A modem that refuses NAS, UIM or another optional question still gives the rest (rmnetctl_modem_answer_available says which); a modem that cannot be asked at all is rmnetctl_modem_scrape_success 0 beside its kernel link counters, and the one-shot forms then exit with that error\'s code after writing the output. Metric names and labels: docs/metrics.md.',
    options: [
      device('every modem'),
      ...proxyAuto,
      { flags: '--textfile <dir>', help: 'replace DIR/rmnetctl.prom atomically (node_exporter --collector.textfile.directory=DIR); run it from a timer; exit 5 when DIR is not writable', directory: true, complete: 'directory' },
      { flags: '--listen <addr:port>', help: 'serve GET /metrics until SIGINT/SIGTERM (127.0.0.1:9842, [::1]:9842, :9842 = loopback); a taken port exits 4, a bad address 2, a port below 1024 without privilege 5' },
      { flags: '--allow-remote', help: 'allow --listen on a non-loopback address (the metrics carry the IMEI and the operator)' },
      sysfsRoot,
      stateDir,
    ],
    examples: [
      { command: 'rmnetctl metrics', says: 'one scrape on stdout' },
      { command: 'rmnetctl metrics --textfile /var/lib/prometheus/node-exporter', says: 'for node_exporter\'s textfile collector' },
      { command: 'rmnetctl metrics --listen 127.0.0.1:9842', says: 'serve /metrics' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'busy', 'permission', 'timeout', 'protocol', 'qmiError'],
    docs: 'docs/metrics.md',
  },
  {
    name: 'capture',
    summary: 'capture what the parent receives: QMAP deaggregated into pcapng, one interface per mux id, and a summary',
    description: [
      "The tap sits on the parent interface (wwan0, mhi_hwip0) before rmnet's or qmimux's receive handler, so it sees each aggregated transfer whole. Incoming only. Each transfer is split with rmnetctl's QMAP reader; every packet goes to the pcapng interface of its mux id (\"mux1 (wwan0.1)\"), as raw IP (LINKTYPE_RAW). A parent without QMAP (raw-ip, no mux) is one interface. The format comes from --qmap, else the record of rmnetctl up, else the kernel (rmnet flags, qmimux links, qmi_wwan pass_through).",
      'Without -w only the summary is printed. It stops after --count packets (written ones, after --mux), after --seconds, or at SIGINT/SIGTERM (whichever comes first); the file is complete in every case. Needs CAP_NET_RAW (exit 5 without). Summary fields: docs/capture.md.',
    ].join('\n\n'),
    options: [
      device('the only modem; also any parent interface'),
      { flags: '--mux <id>', help: 'write only this mux id (it must be up on the parent)', integer: [1, 254] },
      { flags: '-w, --write <file>', help: "write pcapng to FILE ('-': stdout, the summary then goes to stderr)", defaultText: 'summary only', complete: 'file' },
      { flags: '--count <n>', help: 'stop after N packets written', integer: [1, 2 ** 31 - 1] },
      { flags: '--seconds <s>', help: 'stop after S seconds', integer: [1, 31 * 24 * 3600] },
      { flags: '--qmap <version>', help: 'how the parent frames packets, when no record or link says', values: ['1', '4', '5', 'none'], defaultText: 'from the record or the kernel' },
      json,
      sysfsRoot,
      stateDir,
    ],
    examples: [
      { command: 'rmnetctl capture -d wwan0 --seconds 10', says: "ten seconds of the parent's transfers, summarised" },
      { command: 'rmnetctl capture --mux 1 -w pdn1.pcapng --count 1000', says: "the first 1000 packets of mux 1's PDN, for Wireshark" },
      { command: 'rmnetctl capture -w - | wireshark -k -i -', says: 'live, into Wireshark' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'permission', 'conflict'],
    docs: 'docs/capture.md',
  },
  {
    name: 'bench',
    summary: "measure this machine's kernel QMAP deaggregation (rmnet) in a throwaway network namespace; root, no modem",
    description: "Measures how fast this machine's kernel deaggregates QMAP with rmnet, in a throwaway network namespace on a veth parent. Needs root (a namespace and links) and no modem.",
    options: [
      { flags: '--datagrams <list>', help: 'datagrams per transfer, comma-separated counts, one case each', default: '1,8,32' },
      { flags: '--seconds <n>', help: 'sending time per case', range: '(0, 600]', default: '3' },
      { flags: '--packet-size <bytes>', help: 'IP packet size', integer: [64, 1500], default: 1500 },
      json,
      { flags: '--worker', help: 'internal: the part that runs inside the namespace', hidden: true },
    ],
    examples: [
      { command: 'rmnetctl bench', says: '1, 8 and 32 datagrams per transfer, 3 s each' },
      { command: 'rmnetctl bench --datagrams 1,64 --seconds 10 --json', says: 'two cases, longer, as JSON' },
    ],
    exitCodes: ['failure', 'usage', 'notFound', 'permission'],
    docs: 'docs/benchmarks.md',
  },
];

/** The meaning of each exit code, one line each (docs/exit-codes.md has the error codes behind them). */
export const EXIT_MEANINGS: Readonly<Record<keyof typeof ExitCode, string>> = {
  ok: 'success',
  failure: 'anything not listed below (I/O errors, the port went away, internal errors)',
  usage: 'bad command line or config; nothing was touched',
  notFound: 'the thing named does not exist (modem, port, mux, interface, qmi-proxy)',
  busy: 'the port or modem is held by another process',
  permission: 'not allowed (root needed, insecure password or config file)',
  timeout: 'no answer in time',
  protocol: 'the other side spoke, but not proper QMI',
  qmiError: 'the modem answered with a QMI error result',
  kernel: 'a kernel operation failed',
  conflict: 'the request conflicts with the current state (status --check: not as recorded)',
  network: 'the network refused or dropped the session',
  unhealthy: 'doctor: at least one check failed',
};

/** Environment variables rmnetctl reads. */
export const ENVIRONMENT: ReadonlyArray<{ name: string; says: string }> = [
  { name: 'RMNETCTL_DEBUG', says: 'when set, log debug lines as --verbose does, and stack traces of internal errors' },
  { name: 'RMNETCTL_STATE_DIR', says: 'the state directory instead of /run/rmnetctl' },
  { name: 'JOURNAL_STREAM', says: 'set by systemd: when it names stderr, log lines carry syslog priority prefixes (<3> error, <4> warning, <6> info, <7> debug)' },
  { name: 'NOTIFY_SOCKET', says: 'set by systemd for Type=notify: run reports READY=1 and its status there' },
];

/** Files rmnetctl reads or writes. */
export const FILES: ReadonlyArray<{ path: string; says: string }> = [
  { path: '/etc/rmnetctl/NAME.conf', says: 'the PDNs rmnetctl run NAME keeps up (rmnetctl.conf(5)); owned by root, writable by nobody else' },
  { path: '/run/rmnetctl/', says: 'the records of what up did per modem and mux (mode 0700), read by down and status' },
  { path: '/dev/cdc-wdm*, /dev/wwan*qmi*', says: 'QMI control ports (qmi_wwan, mhi/wwan)' },
  { path: '/sys/class/net/*/qmi/', says: 'qmi_wwan\'s raw_ip, pass_through, add_mux and del_mux' },
];

/** The name and aliases of an option's long form, without dashes: '--no-ip' -> 'no-ip'. */
export function longName(option: OptionSpec): string {
  return /--([a-z0-9-]+)/.exec(option.flags)![1]!;
}
export function shortName(option: OptionSpec): string | undefined {
  return /^-([a-zA-Z]),/.exec(option.flags)?.[1];
}
/** The value placeholder of an option ('modem' of '<modem>'), when it takes one. */
export function valueName(option: OptionSpec): string | undefined {
  return /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
}

/** Range, default and required, in words, as --help and the man page show them. */
export function optionFacts(option: OptionSpec): string[] {
  const facts: string[] = [];
  if (option.values) facts.push(`one of ${option.values.join(', ')}`);
  if (option.integer) facts.push(`${option.integer[0]}..${option.integer[1]}`);
  if (option.range) facts.push(option.range);
  if (option.required === true) facts.push('required');
  else if (typeof option.required === 'string') facts.push(`required: ${option.required}`);
  const shown = option.defaultText ?? (option.default === undefined ? undefined : String(option.default));
  if (shown !== undefined) facts.push(`default: ${shown}`);
  return facts;
}

/** Every command spec with its full name ('format set'), parents before children, in table order. */
export function allCommands(): Array<{ path: string; spec: CommandSpec }> {
  return COMMANDS.flatMap((spec) => [{ path: spec.name, spec }, ...(spec.subcommands ?? []).map((sub) => ({ path: `${spec.name} ${sub.name}`, spec: sub }))]);
}

/** The options a command takes, with the logging options every command has (a parent with subcommands has none). */
export function optionsOf(spec: CommandSpec): readonly OptionSpec[] {
  return spec.subcommands ? [] : [...spec.options, ...LOGGING];
}
