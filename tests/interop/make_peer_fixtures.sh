#!/usr/bin/env bash
# Regenerates peers/sm_crypto.json and peers/bouncycastle.json with two SM2/SM3/SM4
# implementations that are independent of baohan (and of the OpenSSL/gmssl fixtures in
# shared/interop): npm sm-crypto (pinned in peer_env.sh) and BouncyCastle from Debian's
# libbcprov-java. Each tool's values are cross-checked by the other before anything is
# written; on any failure nothing is written and the exit code is non-zero.
#
# Needs node/npm, java/javac (JDK 17), openssl 3, and access to npm and Debian packages
# on the first run (peer_env.sh installs into .cache/ and, for bcprov, the system).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=peer_env.sh
. "$here/peer_env.sh"

openssl version | grep -q '^OpenSSL 3\.' || { echo "need OpenSSL 3.x (DER cross-checks)" >&2; exit 1; }

# The exact BouncyCastle build: the jar's own version plus the Debian package version.
bc_version="$(peer_bc version)"                       # e.g. "bcprov 1.72, Java 17.0.15"
deb_version="$(dpkg-query -W -f='${Version}' libbcprov-java 2>/dev/null || echo unknown)"
bc_tool="BouncyCastle ${bc_version%%,*} (Debian libbcprov-java $deb_version),${bc_version#*,}"

# Generate into a scratch folder first, so a failed run leaves the old files untouched.
out="$cache_dir/out.$$"
trap 'rm -rf "$out"' EXIT
node "$here/make_peer_fixtures.js" --classpath "$classes_dir:$BCPROV_JAR" --out "$out" --bc-tool "$bc_tool"

mkdir -p "$here/peers"
mv "$out/sm_crypto.json" "$here/peers/sm_crypto.json"
mv "$out/bouncycastle.json" "$here/peers/bouncycastle.json"
echo "wrote $here/peers/sm_crypto.json and $here/peers/bouncycastle.json"
