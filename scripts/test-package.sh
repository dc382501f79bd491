#!/usr/bin/env bash
# npm run test:package: install tokio-net the way a user does and use it.
#
#  1. build the addon (npm run build) and measure the glibc floor of that build;
#  2. build the binary that ships in tokio-net-linux-x64-gnu with zig against
#     glibc 2.17 (when the plain build needs a newer glibc) and check its floor;
#  3. stage a release: the root package (the files `npm pack` takes) plus npm/,
#     run the napi CLI's prepublish flow there (fills optionalDependencies),
#     then pack the main package and tokio-net-linux-x64-gnu, and check that the
#     main tarball holds only allowlisted files;
#  4. start verdaccio on 127.0.0.1 (temp config and storage; packages other than
#     tokio-net* come from the configured npm registry through its uplink) and
#     publish both tarballs to it;
#  5. in a fresh temp project `npm install tokio-net` from it, and run a
#     CommonJS, an ESM and a TypeScript (tsc --strict) smoke test that echo
#     bytes over loopback and check that the binary came from the platform
#     package, then the same for tokio-net/net and a check of the
#     tokio-net/register preload.
#
# verdaccio is stopped and the temp folder removed on every exit (trap); set
# KEEP_PACKAGE_TEST=1 to keep the folder for a look.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/ci-tools.sh
. scripts/ci-tools.sh

GLIBC_FLOOR=2.17
PLATFORM=linux-x64-gnu
NAME="$(node -p 'require("./package.json").name')"
VERSION="$(node -p 'require("./package.json").version')"
BINARY_NAME="$(node -p 'require("./package.json").napi.binaryName')"
ARTIFACT="$BINARY_NAME.$PLATFORM.node"
PLATFORM_PKG="$NAME-$PLATFORM"
# What the main tarball may hold (npm adds package.json, README and LICENSE by itself).
# tokio-net/net and tokio-net/register: the compiled lib/net (CommonJS, the ESM entries, types).
NET_FILES="dist/net/index.mjs dist/net/index.d.mts dist/net/register.mjs dist/net/register.d.mts"
for source in lib/net/*.ts; do
  m="$(basename "$source" .ts)"
  NET_FILES="$NET_FILES dist/net/$m.js dist/net/$m.d.ts"
done
# The public classes: the compiled lib/tokio, over binding.js, the native addon's loader.
TOKIO_FILES="binding.js"
for source in lib/tokio/*.ts; do
  m="$(basename "$source" .ts)"
  TOKIO_FILES="$TOKIO_FILES dist/tokio/$m.js"
done
ALLOWED_FILES="package.json README.md LICENSE CHANGELOG.md index.js index.mjs index.d.ts $TOKIO_FILES $NET_FILES"
REQUIRED_FILES="package.json LICENSE index.js index.mjs index.d.ts $TOKIO_FILES $NET_FILES"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ] || ldd --version 2>&1 | grep -qi musl; then
  echo "test:package checks the $PLATFORM package and needs an x86_64 glibc Linux host" >&2
  exit 1
fi
unset NAPI_RS_NATIVE_LIBRARY_PATH NAPI_RS_FORCE_WASI

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tokio-net-package.XXXXXX")"
VERDACCIO_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$VERDACCIO_PID" ] && kill -0 "$VERDACCIO_PID" 2>/dev/null; then
    kill "$VERDACCIO_PID" 2>/dev/null || true
    wait "$VERDACCIO_PID" 2>/dev/null || true
    echo "== verdaccio (pid $VERDACCIO_PID) stopped"
  fi
  if [ "$rc" -ne 0 ] && [ -s "$WORK/verdaccio.log" ]; then
    echo "-- last lines of the verdaccio log:"
    tail -n 20 "$WORK/verdaccio.log"
  fi
  if [ -n "${KEEP_PACKAGE_TEST:-}" ]; then
    echo "-- kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

fail() {
  echo "test:package: FAIL: $*" >&2
  exit 1
}
# Highest GLIBC_x.y symbol version a shared object needs.
glibc_floor() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n1
}
version_le() { # a <= b
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]
}

echo "== 1. build (npm run build)"
npm run build
[ -f "$ARTIFACT" ] || fail "npm run build did not produce $ARTIFACT"
plain_floor="$(glibc_floor "$ARTIFACT")"
echo "-- plain build: $ARTIFACT needs GLIBC_$plain_floor ($(stat -c %s "$ARTIFACT") bytes)"

echo "== 2. the packaged binary (glibc floor $GLIBC_FLOOR)"
if version_le "$plain_floor" "$GLIBC_FLOOR"; then
  PACKAGED="$ROOT/$ARTIFACT"
  echo "-- the plain build already loads on glibc $GLIBC_FLOOR"
else
  main zig
  echo "-- building x86_64-unknown-linux-gnu.$GLIBC_FLOOR with cargo-zigbuild"
  npx --no-install napi build --platform --release \
    --target "x86_64-unknown-linux-gnu.$GLIBC_FLOOR" --cross-compile \
    --output-dir "$WORK/zig"
  PACKAGED="$WORK/zig/$ARTIFACT"
  [ -f "$PACKAGED" ] || fail "the zig build did not produce $PACKAGED"
fi
packaged_floor="$(glibc_floor "$PACKAGED")"
packaged_size="$(stat -c %s "$PACKAGED")"
echo "-- packaged $ARTIFACT: needs GLIBC_$packaged_floor, $packaged_size bytes ($(numfmt --to=iec "$packaged_size"))"
version_le "$packaged_floor" "$GLIBC_FLOOR" ||
  fail "$ARTIFACT needs GLIBC_$packaged_floor, more than the promised $GLIBC_FLOOR"
readelf -d "$PACKAGED" | grep -q 'NEEDED.*libc.so.6' || fail "$ARTIFACT does not link glibc dynamically"

echo "== 3. stage the release and pack"
npm pack --dry-run --json --ignore-scripts >"$WORK/root-pack.json"
REL="$WORK/release"
mkdir -p "$REL" "$WORK/tarballs"
node - "$WORK/root-pack.json" "$ALLOWED_FILES" "$REQUIRED_FILES" <<'EOF'
const [json, allowed, required] = process.argv.slice(2)
const files = JSON.parse(require('fs').readFileSync(json, 'utf8'))[0].files.map((f) => f.path)
const allow = new Set(allowed.split(' '))
const extra = files.filter((f) => !allow.has(f))
const missing = required.split(' ').filter((f) => !files.includes(f))
console.log(`-- npm pack --dry-run (main package): ${files.join(', ')}`)
if (extra.length) { console.error(`files outside the allowlist: ${extra.join(', ')}`); process.exit(1) }
if (missing.length) { console.error(`required files missing: ${missing.join(', ')}`); process.exit(1) }
EOF
node -e 'for (const f of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].files) console.log(f.path)' \
  "$WORK/root-pack.json" | while IFS= read -r f; do
  mkdir -p "$REL/$(dirname "$f")"
  cp "$f" "$REL/$f"
done
# The platform packages as create-npm-dirs wrote them (manifests and READMEs only).
for dir in npm/*/; do
  d="$(basename "$dir")"
  mkdir -p "$REL/npm/$d"
  cp "$dir/package.json" "$REL/npm/$d/"
  [ ! -f "$dir/README.md" ] || cp "$dir/README.md" "$REL/npm/$d/"
done
cp "$PACKAGED" "$REL/npm/$PLATFORM/$ARTIFACT"
# napi prepublish validates every target's package before it writes the root
# manifest. Only linux-x64-gnu is built here, so the other seven get empty
# stand-ins; they are never packed or published (--skip-optional-publish).
for dir in "$REL"/npm/*/; do
  d="$(basename "$dir")"
  [ "$d" = "$PLATFORM" ] || : >"$dir/$BINARY_NAME.$d.node"
done
echo "-- napi prepublish -t npm --skip-optional-publish --no-gh-release (staged copy)"
npx --no-install napi prepublish --cwd "$REL" -t npm --skip-optional-publish --no-gh-release
node - "$REL/package.json" "$NAME" "$VERSION" <<'EOF'
const [manifest, name, version] = process.argv.slice(2)
const pkg = require(manifest)
const targets = require(process.cwd() + '/package.json').napi.targets
const deps = pkg.optionalDependencies || {}
console.log('-- optionalDependencies filled by napi prepublish:', JSON.stringify(deps))
const names = Object.keys(deps)
if (names.length !== targets.length) throw new Error(`expected ${targets.length} optionalDependencies, got ${names.length}`)
for (const [dep, v] of Object.entries(deps)) {
  if (!dep.startsWith(`${name}-`) || v !== version) throw new Error(`unexpected optional dependency ${dep}@${v}`)
}
EOF
(cd "$REL" && npm pack --ignore-scripts --json --pack-destination "$WORK/tarballs" >"$WORK/main-tarball.json")
(cd "$REL/npm/$PLATFORM" && npm pack --ignore-scripts --json --pack-destination "$WORK/tarballs" >"$WORK/platform-tarball.json")
node - "$WORK/root-pack.json" "$WORK/main-tarball.json" "$WORK/platform-tarball.json" "$ARTIFACT" <<'EOF'
const fs = require('fs')
const [dry, main, platform, artifact] = process.argv.slice(2)
const list = (f) => JSON.parse(fs.readFileSync(f, 'utf8'))[0].files.map((x) => x.path).sort()
const [m, p] = [main, platform].map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))[0])
if (JSON.stringify(list(dry)) !== JSON.stringify(list(main))) {
  throw new Error(`the staged main tarball differs from npm pack --dry-run: ${list(main)}`)
}
const pf = list(platform)
if (JSON.stringify(pf) !== JSON.stringify(['README.md', artifact, 'package.json'].sort())) {
  throw new Error(`unexpected files in the platform tarball: ${pf}`)
}
for (const t of [m, p]) {
  console.log(`-- ${t.filename}: ${t.size} bytes packed, ${t.unpackedSize} unpacked, ${t.entryCount} files: ${t.files.map((f) => f.path).join(', ')}`)
}
EOF

echo "== 4. local registry (verdaccio)"
main verdaccio
PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')"
REGISTRY="http://127.0.0.1:$PORT/"
UPLINK="$(npm config get registry)"
mkdir -p "$WORK/verdaccio/storage"
cat >"$WORK/verdaccio/config.yaml" <<EOF
storage: $WORK/verdaccio/storage
auth:
  htpasswd:
    file: $WORK/verdaccio/htpasswd
    max_users: 10
uplinks:
  upstream:
    url: $UPLINK
    timeout: 60s
packages:
  '$NAME':
    access: \$all
    publish: \$authenticated
  '$NAME-*':
    access: \$all
    publish: \$authenticated
  '**':
    access: \$all
    publish: \$authenticated
    proxy: upstream
log: { type: stdout, format: pretty, level: warn }
EOF
node "$TOKIO_NET_TOOLS/verdaccio/node_modules/verdaccio/bin/verdaccio" \
  --config "$WORK/verdaccio/config.yaml" --listen "127.0.0.1:$PORT" \
  >"$WORK/verdaccio.log" 2>&1 </dev/null &
VERDACCIO_PID=$!
TOKEN="$(node - "$REGISTRY" "$VERDACCIO_PID" <<'EOF'
const [registry, pid] = process.argv.slice(2)
const deadline = Date.now() + 60_000
const alive = () => { try { process.kill(Number(pid), 0); return true } catch { return false } }
;(async () => {
  for (;;) {
    if (!alive()) throw new Error('verdaccio exited')
    try { if ((await fetch(registry + '-/ping')).ok) break } catch {}
    if (Date.now() > deadline) throw new Error('verdaccio did not answer within 60 s')
    await new Promise((r) => setTimeout(r, 250))
  }
  const res = await fetch(registry + '-/user/org.couchdb.user:ci', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ci', password: 'ci-password', type: 'user', roles: [] }),
  })
  const body = await res.json()
  if (!body.token) throw new Error(`adduser failed: ${res.status} ${JSON.stringify(body)}`)
  console.log(body.token)
})().catch((e) => { console.error(e.message); process.exit(1) })
EOF
)"
echo "-- verdaccio (pid $VERDACCIO_PID) on $REGISTRY"
NPMRC="$WORK/npmrc"
printf 'registry=%s\n//127.0.0.1:%s/:_authToken=%s\n' "$REGISTRY" "$PORT" "$TOKEN" >"$NPMRC"
for tarball in "$WORK"/tarballs/*.tgz; do
  echo "-- npm publish $(basename "$tarball")"
  npm publish "$tarball" --userconfig "$NPMRC" --registry "$REGISTRY" --provenance=false --update-notifier=false \
    --no-audit --no-fund --loglevel=warn </dev/null
done

echo "== 5. a user's project: npm install $NAME"
APP="$WORK/app"
mkdir -p "$APP"
cp "$NPMRC" "$APP/.npmrc"
TS_VERSION="$(node -p 'require("typescript/package.json").version')"
TYPES_NODE_VERSION="$(node -p 'require("@types/node/package.json").version')"
cd "$APP"
printf '{ "name": "tokio-net-smoke", "version": "1.0.0", "private": true }\n' >package.json
npm install --no-audit --no-fund --loglevel=warn \
  "$NAME@$VERSION" "typescript@$TS_VERSION" "@types/node@$TYPES_NODE_VERSION" </dev/null
installed="$(node -p "require('$NAME/package.json').version")"
[ "$installed" = "$VERSION" ] || fail "installed $NAME@$installed, expected $VERSION"
[ -f "node_modules/$PLATFORM_PKG/$ARTIFACT" ] || fail "node_modules/$PLATFORM_PKG/$ARTIFACT is missing"
stray="$(find node_modules/"$NAME" -name '*.node' | head -n1)"
[ -z "$stray" ] || fail "the main package carries a binary: $stray"
cmp -s "node_modules/$PLATFORM_PKG/$ARTIFACT" "$PACKAGED" || fail "the installed binary is not the packaged one"
echo "-- installed: $(ls node_modules | tr '\n' ' ')"

cat >echo-check.cjs <<'EOF'
// Shared by the smoke tests: one echo round trip over loopback.
exports.echo = async function echo({ TcpListener, TcpStream }) {
  const l = await TcpListener.bind('127.0.0.1:0')
  const c = await TcpStream.connect(l.localAddr())
  const [s] = await l.accept()
  await c.writeAll(Buffer.from('hi'))
  const b = Buffer.alloc(2)
  await s.readExact(b)
  c.close()
  s.close()
  l.close()
  if (b.toString() !== 'hi') throw new Error(`echoed ${JSON.stringify(b.toString())}`)
}
EOF

cat >smoke.cjs <<EOF
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const tokio = require('$NAME')
const { echo } = require('./echo-check.cjs')
;(async () => {
  assert.equal(process.env.NAPI_RS_NATIVE_LIBRARY_PATH, undefined)
  assert.equal(require.resolve('$NAME'), path.join(__dirname, 'node_modules/$NAME/index.js'))
  await echo(tokio)
  // The binary must come from the platform package, never from the main one.
  const binary = fs.realpathSync(require.resolve('$PLATFORM_PKG'))
  assert.equal(binary, fs.realpathSync(path.join(__dirname, 'node_modules/$PLATFORM_PKG/$ARTIFACT')))
  const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'))
  assert.deepEqual(loaded, [binary], 'require.cache: ' + loaded.join(', '))
  const shared = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'))
  assert.deepEqual(shared, [binary], 'process.report: ' + shared.join(', '))
  assert.equal(tokio.__napiBindingTarget, 'native')
  console.log('CommonJS: echo ok, binary loaded from ' + path.relative(__dirname, binary))
})().catch((e) => { console.error(e); process.exit(1) })
EOF

cat >smoke.mjs <<EOF
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import * as ns from '$NAME'
import tokio, { TcpListener, TcpStream } from '$NAME'
const require = createRequire(import.meta.url)
const { echo } = require('./echo-check.cjs')
assert.equal(fileURLToPath(import.meta.resolve('$NAME')), fileURLToPath(new URL('./node_modules/$NAME/index.mjs', import.meta.url)))
// index.mjs re-exports every CommonJS export, and the two share one binding.
const cjs = require('$NAME')
assert.deepEqual(Object.keys(ns).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort())
assert.equal(tokio, cjs)
assert.equal(TcpStream, cjs.TcpStream)
await echo({ TcpListener, TcpStream })
const loaded = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'))
assert.deepEqual(loaded, [require.resolve('$PLATFORM_PKG')])
console.log('ESM: echo ok, ' + Object.keys(cjs).length + ' named exports match the CommonJS ones')
EOF

cat >smoke.mts <<EOF
import { TcpListener, TcpStream, SocketAddr } from '$NAME'
import type { NetError } from '$NAME'

const l: TcpListener = await TcpListener.bind('127.0.0.1:0')
const addr: SocketAddr = l.localAddr()
const c: TcpStream = await TcpStream.connect(addr)
const [s] = await l.accept()
await c.writeAll(Buffer.from('hi'))
const b: Buffer = Buffer.alloc(2)
await s.readExact(b)
c.close()
s.close()
l.close()
if (b.toString() !== 'hi') throw new Error('echo mismatch')
const failure: NetError | undefined = undefined
void failure
console.log('TypeScript: tsc --strict ok, echo ok')
EOF
cat >smoke-net.cjs <<EOF
// tokio-net/net from require, and the same objects from import; then an echo through it.
const assert = require('node:assert/strict')
const net = require('$NAME/net')
;(async () => {
  const esm = await import('$NAME/net')
  for (const k of ['Socket', 'Server', 'connect', 'createConnection', 'createServer', 'isIP']) {
    assert.equal(esm[k], net[k], k)
    assert.equal(net.default[k], net[k], k)
  }
  const server = net.createServer((s) => s.pipe(s))
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const c = net.connect(server.address().port, '127.0.0.1', () => c.end('hi'))
  let got = ''
  c.on('data', (d) => (got += d))
  await new Promise((r) => c.on('close', r))
  server.close()
  assert.equal(got, 'hi')
  console.log('tokio-net/net: require and import agree, echo ok')
})().catch((e) => { console.error(e); process.exit(1) })
EOF

cat >smoke-net.mts <<EOF
import net, { Socket, type AddressInfo } from '$NAME/net'
const server = net.createServer((s: Socket) => s.end('typed'))
server.listen(0, '127.0.0.1', () => {
  const a: AddressInfo | null = server.address()
  const c: Socket = net.connect(a?.port ?? 0, '127.0.0.1')
  c.on('close', () => server.close())
  c.resume()
})
EOF

echo "-- node smoke.cjs"
node smoke.cjs
echo "-- node smoke-net.cjs"
node smoke-net.cjs
echo "-- node --import $NAME/register, node --require $NAME/register"
# The preload's functions hand what tokio-net does not serve to node:net, so they wrap tokio-net/net's:
# what they make is tokio-net/net's.
node --import "$NAME/register" -e "const s = require('node:net').connect(1, '127.0.0.1').on('error', () => {}); if (!(s instanceof require('$NAME/net').Socket)) process.exit(1); s.destroy()"
node --require "$NAME/register" -e "if (!(require('node:net').createServer() instanceof require('$NAME/net').Server)) process.exit(1)"
echo "-- node smoke.mjs"
node smoke.mjs
echo "-- tsc --strict smoke.mts (module nodenext, installed types)"
npx --no-install tsc --strict --module nodenext --moduleResolution nodenext --target es2022 \
  --types node --outDir out smoke.mts smoke-net.mts
node out/smoke.mjs
node out/smoke-net.mjs

echo "-- $NAME@$VERSION from $PLATFORM_PKG: $ARTIFACT needs GLIBC_$packaged_floor, $packaged_size bytes"
echo "test:package: 4 passed, 0 failed"
