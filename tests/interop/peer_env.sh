# Sourced (not run) by make_peer_fixtures.sh and peers_accept_ours.sh.
# Makes the two peer implementations available and defines:
#   peer_js  OP ARGS...   sm-crypto (npm), through peer.js
#   peer_bc  OP ARGS...   BouncyCastle (Debian libbcprov-java), through Peer.java
# Both take and print hex; see the headers of peer.js and Peer.java for the operations.
#
# Everything installed goes into tests/interop/.cache/ (git-ignored) or, for the Debian
# package, into the system: a fresh machine has neither, so this installs them.

# Pinned on purpose: fixtures name the exact version, and sm-crypto changes behaviour
# between minor releases (0.4.0 made hash:true the default, 0.5.0 changed the RNG).
SM_CRYPTO_VERSION=0.3.14
BCPROV_JAR=/usr/share/java/bcprov.jar

interop_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="$interop_dir/.cache"
mkdir -p "$cache_dir"

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "peer_env: '$1' is required but not installed" >&2; return 1; }
}
need_cmd node
need_cmd npm
need_cmd java
need_cmd javac
need_cmd openssl

# sm-crypto: a private npm prefix, so nothing global is touched.
installed_smc="$(node -p "try { require('$cache_dir/node_modules/sm-crypto/package.json').version } catch (e) { '' }")"
if [ "$installed_smc" != "$SM_CRYPTO_VERSION" ]; then
  echo "peer_env: installing sm-crypto@$SM_CRYPTO_VERSION into $cache_dir" >&2
  [ -f "$cache_dir/package.json" ] || echo '{"private": true}' >"$cache_dir/package.json"
  npm install --prefix "$cache_dir" --no-audit --no-fund --silent "sm-crypto@$SM_CRYPTO_VERSION" >&2
fi

# BouncyCastle: the Debian package (bcprov 1.72 on bookworm).
if [ ! -f "$BCPROV_JAR" ]; then
  echo "peer_env: installing libbcprov-java" >&2
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbcprov-java; } >&2
  else
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbcprov-java >&2
  fi
fi

# Compile Peer.java once, and again whenever it changes.
classes_dir="$cache_dir/classes"
if [ ! -f "$classes_dir/Peer.class" ] || [ "$interop_dir/Peer.java" -nt "$classes_dir/Peer.class" ]; then
  mkdir -p "$classes_dir"
  javac -nowarn -d "$classes_dir" -cp "$BCPROV_JAR" "$interop_dir/Peer.java" >&2
fi

peer_js() { node "$interop_dir/peer.js" "$@"; }
peer_bc() { java -cp "$classes_dir:$BCPROV_JAR" Peer "$@"; }
