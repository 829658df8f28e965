#!/usr/bin/env bash
# Builds dist/rmnetctl_<version>_<arch>.deb from what `npm ci && npm run build` made (docs/packaging.md):
#   /usr/bin/rmnetctl                      -> ../lib/rmnetctl/bin/rmnetctl.js (the launcher, #!/usr/bin/node)
#   /usr/lib/rmnetctl/{package.json,bin/,dist/bundle/,build/Release/rmnetctl_native.node}
#       the repository's own layout, so bin/rmnetctl.js finds ../package.json and ../dist/bundle, and
#       src/io/native.ts (walking up from dist/bundle/) finds build/Release as it does in a checkout
#   /usr/lib/systemd/system/rmnetctl@.service (not /lib: trixie's lintian calls it an aliased-location error,
#   DEP17; bookworm's systemd reads /usr/lib too), man pages (gzipped), bash and zsh completions,
#   /usr/share/doc/rmnetctl/{copyright,changelog.gz,systemd.md,examples/example.conf}
# Depends are computed: nodejs (>= the engines range) plus dpkg-shlibdeps on the addon.
#
#   bash scripts/package-deb.sh              builds first (npm run build), then packages
#   bash scripts/package-deb.sh --no-build   packages what is already built (the tests: setup.sh built it)
# Network: none. Needs dpkg-dev (dpkg-shlibdeps) and binutils (strip): scripts/setup.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022

fail() { printf 'package-deb: error: %s\n' "$1" >&2; exit 1; }

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    *) fail "unknown option \"$arg\" (known: --no-build)" ;;
  esac
done

for tool in dpkg-deb dpkg-shlibdeps strip gzip node; do
  command -v "$tool" >/dev/null || fail "$tool not found: run bash scripts/setup.sh (it installs dpkg-dev and binutils)"
done

[ "$build" = 0 ] || npm run --silent build

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
# The Node range the package declares is package.json's engines.node (">=20"), turned into Debian's form.
node_min=$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "")')
[[ "$node_min" =~ ^[0-9]+(\.[0-9]+)*$ ]] || fail "package.json engines.node \"$node_min\" is not of the form \">=N\": package-deb.sh maps only that to Depends"

# Everything the package ships, as it comes out of the build; a missing one names the step that makes it.
addon=build/Release/rmnetctl_native.node
declare -A made_by=(
  [dist/bundle/rmnetctl.mjs]='npm run build'
  [$addon]='npm ci (its install script builds the addon with node-gyp)'
  [dist/man/rmnetctl.8]='npm run build (the man page generator)'
  [dist/man/rmnetctl.conf.5]='npm run build (the man page generator)'
  [dist/completions/rmnetctl.bash]='npm run build (the completion generator)'
  [dist/completions/_rmnetctl]='npm run build (the completion generator)'
  [systemd/rmnetctl@.service]='a checkout of the repository'
  [systemd/example.conf]='a checkout of the repository'
  [node_modules/commander/LICENSE]='npm ci'
)
for file in "${!made_by[@]}"; do
  [ -s "$file" ] || fail "$file is missing: run ${made_by[$file]}, then this script again"
done

# Reproducible: every date in the package is the last commit's (or SOURCE_DATE_EPOCH when set).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

out=dist/rmnetctl_${version}_${arch}.deb
root=dist/deb-root
rm -rf "$root" "$out"
lib=$root/usr/lib/rmnetctl
doc=$root/usr/share/doc/rmnetctl

install -d "$root/DEBIAN" "$root/usr/bin" "$lib/bin" "$lib/dist/bundle" "$lib/build/Release" "$doc/examples" \
  "$root/usr/lib/systemd/system" "$root/usr/share/man/man8" "$root/usr/share/man/man5" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions"

# The launcher, with Debian's interpreter path instead of /usr/bin/env (nodejs ships /usr/bin/node).
sed '1s|^#!.*|#!/usr/bin/node|' bin/rmnetctl.js > "$lib/bin/rmnetctl.js"
chmod 0755 "$lib/bin/rmnetctl.js"
ln -s ../lib/rmnetctl/bin/rmnetctl.js "$root/usr/bin/rmnetctl"
# The launcher reads the version from ../package.json, and "type": "module" makes bin/rmnetctl.js ESM.
node -e '
  const p = require("./package.json");
  process.stdout.write(JSON.stringify({ name: p.name, version: p.version, type: p.type, license: p.license }, null, 2) + "\n");
' > "$lib/package.json"
# The bundle without its source maps: they point at src/ files the package does not ship.
find dist/bundle -maxdepth 1 -name '*.mjs' -exec install -m 0644 -t "$lib/dist/bundle" {} +
sed -i '/^\/\/# sourceMappingURL=/d' "$lib"/dist/bundle/*.mjs
# Stripped as dh_strip does (Debian policy 10.1); the bench addon stays out (bench/ only).
install -m 0644 "$addon" "$lib/build/Release/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$lib/build/Release/rmnetctl_native.node"

install -m 0644 systemd/rmnetctl@.service "$root/usr/lib/systemd/system/"
gzip -9n < dist/man/rmnetctl.8 > "$root/usr/share/man/man8/rmnetctl.8.gz"
gzip -9n < dist/man/rmnetctl.conf.5 > "$root/usr/share/man/man5/rmnetctl.conf.5.gz"
install -m 0644 dist/completions/rmnetctl.bash "$root/usr/share/bash-completion/completions/rmnetctl"
install -m 0644 dist/completions/_rmnetctl "$root/usr/share/zsh/vendor-completions/_rmnetctl"

install -m 0644 systemd/example.conf "$doc/examples/example.conf"
# The unit's Documentation= names file:///usr/share/doc/rmnetctl/systemd.md, so it stays uncompressed.
install -m 0644 docs/systemd.md "$doc/systemd.md"
debian_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
maintainer='rmnetctl developers <rmnetctl@users.noreply.github.com>'
# A native package (no Debian revision): its Debian changelog is changelog.gz (policy 12.7).
printf '%s\n' \
  "rmnetctl ($version) unstable; urgency=medium" '' \
  "  * Built from rmnetctl $version (package.json) by scripts/package-deb.sh." '' \
  " -- $maintainer  $debian_date" | gzip -9n > "$doc/changelog.gz"
{
  printf '%s\n' \
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    'Upstream-Name: rmnetctl' '' \
    'Files: *' \
    'Copyright: rmnetctl developers' \
    'License: Expat' '' \
    'Files: usr/lib/rmnetctl/dist/bundle/*' \
    'Comment: the bundle includes commander (npm), whose notice follows.' \
    'Copyright: rmnetctl developers' \
    "$(grep -m1 '^Copyright' node_modules/commander/LICENSE)" \
    'License: Expat' '' \
    'License: Expat'
  # The MIT licence text, from commander's own file (the same licence rmnetctl's package.json names).
  sed -n '/^Permission is hereby granted/,$p' node_modules/commander/LICENSE | sed -e 's/^$/./' -e 's/^/ /'
} > "$doc/copyright"

# Depends: Node from Debian (or any package that provides nodejs) and the addon's libraries, computed.
shlib_dir=$(mktemp -d)
trap 'rm -rf "$shlib_dir"' EXIT
mkdir "$shlib_dir/debian"
printf 'Source: rmnetctl\n\nPackage: rmnetctl\nArchitecture: any\n' > "$shlib_dir/debian/control"
addon_abs=$(realpath "$lib/build/Release/rmnetctl_native.node")
shlibs=$(cd "$shlib_dir" && dpkg-shlibdeps -O "$addon_abs" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no library package for $addon (is dpkg-dev installed?)"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: rmnetctl
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: nodejs (>= $node_min), $shlibs
Recommends: iputils-ping, kmod, systemd-resolved | resolvconf
Suggests: libqmi-proxy
Section: net
Priority: optional
Description: data path of Qualcomm cellular modems on upstream Linux drivers
 rmnetctl owns the Linux data path of Qualcomm cellular modems on qmi_wwan,
 rmnet and mhi_net: it negotiates the QMI data format (raw-ip, QMAP
 aggregation), sets the kernel's receive size to match, creates one rmnet or
 qmimux link per PDN, starts the WDS data sessions and configures the links.
 .
 rmnetctl@NAME.service keeps the PDNs of /etc/rmnetctl/NAME.conf up at boot;
 rmnetctl doctor, status and metrics explain and export the data path's state.
 .
 Recommends: ping for health probes, modprobe/modinfo for the rmnet module,
 systemd-resolved or resolvconf to apply the network's DNS servers per link.
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
