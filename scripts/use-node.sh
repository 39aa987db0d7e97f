# Source this file (". scripts/use-node.sh") to get Node.js >= 22.18 on PATH.
# When the node on PATH is older, Node 24 LTS is installed once from the npm registry (the
# "node" package ships the official binary) into a cache folder and put first on PATH.
# POSIX sh, so it works from bash, dash and zsh; it changes nothing when Node is recent enough.

cds_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

if ! cds_node_ok; then
  CDS_NODE_DIR="${CDS_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cds-node}"
  if [ ! -x "$CDS_NODE_DIR/node_modules/.bin/node" ]; then
    echo "use-node: installing Node.js 24 into $CDS_NODE_DIR (one time)" >&2
    mkdir -p "$CDS_NODE_DIR"
    npm install --prefix "$CDS_NODE_DIR" --no-save --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  PATH="$CDS_NODE_DIR/node_modules/.bin:$PATH"
  export PATH
  if ! cds_node_ok; then
    echo "use-node: could not provide Node.js >= 22.18" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
