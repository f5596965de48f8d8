#!/usr/bin/env bash
# Provision real PostgreSQL and Elasticsearch servers for the test suite.
#
# Usage: scripts/services.sh up | down | status
#
#   SHUDU_SERVICES_DIR  state dir (default: <repo>/.services)
#   SHUDU_SERVICES      which services: pg, es or pg,es (default: pg,es)
#   SHUDU_ES_VERSION    force one Elasticsearch version (default: try ES_VERSIONS newest first)
#   CI=true             a service that cannot start makes `up` fail
#
# `up` writes <state>/env with `export SHUDU_TEST_PG_URL=...` / `export SHUDU_TEST_ES_URL=...`.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
STATE_DIR="${SHUDU_SERVICES_DIR:-$REPO_ROOT/.services}"
SERVICES="${SHUDU_SERVICES:-pg,es}"
CI="${CI:-}"

PG_DEFAULT_PORT=54329
PG_DB=shudu_test
PG_ROLE=shudu
PG_SUPERUSER=postgres # bootstrap superuser inside the cluster (not the OS user)

ES_VERSIONS=(8.19.21 8.19.4 8.19.2 8.18.0)
ES_GROUP_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch"
ES_M2_DIR="${HOME:-/root}/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch"
ES_USER=shudu-es
ES_DEFAULT_HTTP_PORT=59200
ES_DEFAULT_TRANSPORT_PORT=59300
ES_WAIT_SECONDS=180

PG_STATE="$STATE_DIR/pg"
ES_STATE="$STATE_DIR/es"

log() { printf '[services] %s\n' "$*" >&2; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as an (unprivileged) user; from a directory every user can enter.
as_user() {
    local user="$1"
    shift
    # fd 9 holds the lock on the state dir: servers must not inherit it.
    if is_root; then
        (cd / && runuser -u "$user" -- "$@" 9>&-)
    else
        (cd / && "$@" 9>&-)
    fi
}

ensure_system_user() {
    local user="$1"
    if ! id -u "$user" >/dev/null 2>&1; then
        log "creating system user $user"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$user"
    fi
}

# Make every ancestor of $1 traversable (o+x) so unprivileged users can reach it.
ensure_traversable() {
    local dir
    dir="$(cd "$1" && pwd -P)"
    while [[ "$dir" != "/" ]]; do
        if [[ -d "$dir" ]] && ! ((8#$(stat -c '%a' "$dir") & 1)) && is_root; then
            chmod o+x "$dir"
        fi
        dir="$(dirname "$dir")"
    done
}

port_in_use() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# find_free_port START [EXCLUDE]: first port >= START not listening (and != EXCLUDE).
find_free_port() {
    local port="$1" exclude="${2:-}" tries=0
    while ((tries < 50)); do
        if [[ "$port" != "$exclude" ]] && ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
        tries=$((tries + 1))
    done
    return 1
}

want() { [[ ",$SERVICES," == *",$1,"* ]]; }

# ---------------------------------------------------------------- gitignore --

ensure_gitignore() {
    local gi="$REPO_ROOT/.gitignore" line
    local lines=(".services/" ".venv/" "__pycache__/" "*.egg-info/" ".data/" ".mypy_cache/"
        ".ruff_cache/" ".pytest_cache/")
    [[ -w "$REPO_ROOT" ]] || return 0
    if [[ -f "$gi" && -s "$gi" && -n "$(tail -c1 "$gi")" ]]; then
        echo >>"$gi"
    fi
    for line in "${lines[@]}"; do
        if ! [[ -f "$gi" ]] || ! grep -qxF "$line" "$gi"; then
            echo "$line" >>"$gi"
        fi
    done
}

# --------------------------------------------------------------- PostgreSQL --

pg_bindir() {
    local ctl
    ctl="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null |
        sort -V | tail -n1 || true)"
    [[ -n "$ctl" ]] && dirname "$ctl"
}

pg_install() {
    is_root || { warn "PostgreSQL is not installed and we are not root"; return 1; }
    log "installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Install postgresql-common first so that no system cluster gets created on 5432.
    apt-get install -y -qq postgresql-common >/dev/null
    if [[ -f /etc/postgresql-common/createcluster.conf ]]; then
        sed -i -E 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
            /etc/postgresql-common/createcluster.conf
    fi
    apt-get install -y -qq postgresql >/dev/null
}

pg_os_user() {
    if id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        echo shudu-svc
    fi
}

pg_socket_dir() {
    local dir="$PG_STATE/run"
    # Unix socket paths are limited to ~107 bytes.
    if ((${#dir} > 80)); then
        dir="/tmp/shudu-pg-$(printf '%s' "$PG_STATE" | md5sum | cut -c1-10)"
    fi
    echo "$dir"
}

pg_running() {
    local bindir="$1" user="$2" port sock
    [[ -f "$PG_STATE/data/postmaster.pid" && -f "$PG_STATE/port" ]] || return 1
    port="$(cat "$PG_STATE/port")"
    sock="$(pg_socket_dir)"
    as_user "$user" "$bindir/pg_ctl" -D "$PG_STATE/data" status >/dev/null 2>&1 || return 1
    "$bindir/pg_isready" -q -h "$sock" -p "$port" -t 5
}

pg_up() {
    local bindir user port sock
    bindir="$(pg_bindir || true)"
    if [[ -z "$bindir" ]]; then
        pg_install
        bindir="$(pg_bindir || true)"
        [[ -n "$bindir" ]] || { warn "no PostgreSQL server binaries after install"; return 1; }
    fi
    user="$(pg_os_user)"
    if is_root; then
        ensure_system_user "$user"
    else
        user="$(id -un)"
    fi
    sock="$(pg_socket_dir)"
    mkdir -p "$PG_STATE" "$sock"
    ensure_traversable "$PG_STATE"
    if is_root; then
        chown "$user:" "$PG_STATE" "$sock"
        [[ -d "$PG_STATE/data" ]] && chown -R "$user:" "$PG_STATE/data"
    fi
    chmod 755 "$PG_STATE" "$sock"

    if pg_running "$bindir" "$user"; then
        log "PostgreSQL already running on port $(cat "$PG_STATE/port")"
    else
        if [[ ! -f "$PG_STATE/data/PG_VERSION" ]]; then
            log "initdb ($bindir) as $user"
            rm -rf "$PG_STATE/data"
            local locale=C
            if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
            as_user "$user" "$bindir/initdb" -D "$PG_STATE/data" -U "$PG_SUPERUSER" \
                --auth=trust --encoding=UTF8 --locale="$locale" >"$PG_STATE/initdb.log" 2>&1 || {
                cat "$PG_STATE/initdb.log" >&2
                return 1
            }
            echo "include_if_exists = 'shudu.conf'" >>"$PG_STATE/data/postgresql.conf"
        fi
        local start_port="$PG_DEFAULT_PORT"
        [[ -f "$PG_STATE/port" ]] && start_port="$(cat "$PG_STATE/port")"
        port="$(find_free_port "$start_port")" || { warn "no free port for PostgreSQL"; return 1; }
        cat >"$PG_STATE/data/shudu.conf" <<EOF
# written by scripts/services.sh (test-only settings: fast, not durable)
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
        is_root && chown "$user:" "$PG_STATE/data/shudu.conf"
        echo "$port" >"$PG_STATE/port"
        : >"$PG_STATE/postgres.log"
        is_root && chown "$user:" "$PG_STATE/postgres.log"
        log "starting PostgreSQL on 127.0.0.1:$port"
        if ! as_user "$user" "$bindir/pg_ctl" -D "$PG_STATE/data" -l "$PG_STATE/postgres.log" \
            -w -t 60 start >/dev/null; then
            warn "PostgreSQL failed to start; last lines of its log:"
            tail -n 50 "$PG_STATE/postgres.log" >&2 || true
            return 1
        fi
    fi
    port="$(cat "$PG_STATE/port")"
    local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U "$PG_SUPERUSER")
    "${psql[@]}" -d postgres -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
            CREATE ROLE $PG_ROLE LOGIN SUPERUSER;
        END IF; END \$\$;"
    if [[ -z "$("${psql[@]}" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]]; then
        "${psql[@]}" -d postgres -c \
            "CREATE DATABASE $PG_DB OWNER $PG_ROLE ENCODING 'UTF8' TEMPLATE template0"
    fi
    log "PostgreSQL ready: $PG_ROLE@127.0.0.1:$port/$PG_DB"
}

pg_down() {
    local bindir user
    [[ -f "$PG_STATE/data/PG_VERSION" ]] || return 0
    bindir="$(pg_bindir || true)"
    [[ -n "$bindir" ]] || return 0
    user="$(stat -c '%U' "$PG_STATE/data")"
    is_root || user="$(id -un)"
    if as_user "$user" "$bindir/pg_ctl" -D "$PG_STATE/data" status >/dev/null 2>&1; then
        log "stopping PostgreSQL"
        as_user "$user" "$bindir/pg_ctl" -D "$PG_STATE/data" -m fast -w -t 60 stop >/dev/null
    fi
}

pg_status() {
    local bindir user
    bindir="$(pg_bindir || true)"
    if [[ -n "$bindir" && -f "$PG_STATE/data/PG_VERSION" ]]; then
        user="$(stat -c '%U' "$PG_STATE/data")"
        is_root || user="$(id -un)"
        if pg_running "$bindir" "$user"; then
            echo "postgresql: running on 127.0.0.1:$(cat "$PG_STATE/port") ($bindir)"
            return 0
        fi
    fi
    echo "postgresql: not running"
}

# ------------------------------------------------------------ Elasticsearch --

es_home_for() { echo "$ES_STATE/elasticsearch-$1"; }

# Prints the version to use, fetching the distribution with Maven if needed.
es_resolve_version() {
    local versions=("${ES_VERSIONS[@]}") v
    [[ -n "${SHUDU_ES_VERSION:-}" ]] && versions=("$SHUDU_ES_VERSION")
    for v in "${versions[@]}"; do
        if [[ -f "$(es_home_for "$v")/.shudu-unpacked" || -f "$ES_M2_DIR/$v/elasticsearch-$v.zip" ]]
        then
            echo "$v"
            return 0
        fi
        log "fetching Elasticsearch $v with Maven"
        if mvn -q -B -U dependency:get -Dartifact="$ES_GROUP_ARTIFACT:$v:zip" -Dtransitive=false \
            >"$ES_STATE/mvn-$v.log" 2>&1 && [[ -f "$ES_M2_DIR/$v/elasticsearch-$v.zip" ]]; then
            echo "$v"
            return 0
        fi
        warn "Elasticsearch $v not available (see $ES_STATE/mvn-$v.log)"
    done
    return 1
}

es_pid() {
    local pid
    [[ -f "$ES_STATE/es.pid" ]] || return 1
    pid="$(tr -dc '0-9' <"$ES_STATE/es.pid")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

es_healthy() {
    local port="$1" timeout="${2:-1s}"
    curl -fsS -o /dev/null --max-time 30 \
        "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&timeout=$timeout"
}

es_log_tail() {
    local f
    for f in "$ES_STATE/logs/shudu-test.log" "$ES_STATE/logs/startup.out"; do
        if [[ -s "$f" ]]; then
            warn "last 50 lines of $f:"
            tail -n 50 "$f" >&2
        fi
    done
}

es_up() {
    local version home user port tport java_home=""
    mkdir -p "$ES_STATE"
    if es_pid >/dev/null && [[ -f "$ES_STATE/http_port" ]] &&
        es_healthy "$(cat "$ES_STATE/http_port")" 5s; then
        log "Elasticsearch already running on port $(cat "$ES_STATE/http_port")"
        return 0
    fi
    version="$(es_resolve_version)" || { warn "no Elasticsearch distribution available"; return 1; }
    home="$(es_home_for "$version")"
    if [[ ! -f "$home/.shudu-unpacked" ]]; then
        log "unpacking Elasticsearch $version"
        rm -rf "$home" "$ES_STATE/unpack.tmp"
        mkdir -p "$ES_STATE/unpack.tmp"
        unzip -q "$ES_M2_DIR/$version/elasticsearch-$version.zip" -d "$ES_STATE/unpack.tmp"
        mv "$ES_STATE/unpack.tmp/elasticsearch-$version" "$home"
        rm -rf "$ES_STATE/unpack.tmp"
        touch "$home/.shudu-unpacked"
    fi
    echo "$version" >"$ES_STATE/version"

    user="$ES_USER"
    if is_root; then
        ensure_system_user "$user"
    else
        user="$(id -un)"
    fi
    mkdir -p "$ES_STATE/data" "$ES_STATE/logs" "$ES_STATE/tmp"
    ensure_traversable "$ES_STATE"
    chmod 755 "$ES_STATE"

    # A dead node may have left its pid file behind.
    es_pid >/dev/null || rm -f "$ES_STATE/es.pid"

    local start_port="$ES_DEFAULT_HTTP_PORT"
    [[ -f "$ES_STATE/http_port" ]] && start_port="$(cat "$ES_STATE/http_port")"
    port="$(find_free_port "$start_port")" || { warn "no free HTTP port for Elasticsearch"; return 1; }
    tport="$(find_free_port "$ES_DEFAULT_TRANSPORT_PORT" "$port")" ||
        { warn "no free transport port for Elasticsearch"; return 1; }
    echo "$port" >"$ES_STATE/http_port"

    cat >"$home/config/elasticsearch.yml" <<EOF
# written by scripts/services.sh (test-only node)
cluster.name: shudu-test
node.name: shudu-test-node
discovery.type: single-node
xpack.security.enabled: false
network.host: 127.0.0.1
http.port: $port
transport.port: $tport
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
path.data: $ES_STATE/data
path.logs: $ES_STATE/logs
EOF
    if is_root; then
        chown -R "$user:" "$home" "$ES_STATE/data" "$ES_STATE/logs" "$ES_STATE/tmp"
        chown "$user:" "$ES_STATE"
    fi

    if [[ ! -d "$home/jdk" ]]; then
        java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java || echo /usr/bin/java)")")")"
        [[ -x "$java_home/bin/java" ]] || { warn "no Java found for Elasticsearch"; return 1; }
    fi

    log "starting Elasticsearch $version on 127.0.0.1:$port (transport $tport)"
    local env_args=(env "HOME=$ES_STATE/tmp" "ES_TMPDIR=$ES_STATE/tmp" "ES_PATH_CONF=$home/config"
        "ES_JAVA_OPTS=-Xms512m -Xmx512m")
    [[ -n "$java_home" ]] && env_args+=("ES_JAVA_HOME=$java_home")
    if ! as_user "$user" timeout "$ES_WAIT_SECONDS" "${env_args[@]}" "$home/bin/elasticsearch" \
        -d -p "$ES_STATE/es.pid" >"$ES_STATE/logs/startup.out" 2>&1; then
        warn "Elasticsearch failed to start"
        es_log_tail
        return 1
    fi

    local deadline=$((SECONDS + ES_WAIT_SECONDS))
    until es_healthy "$port" 5s; do
        if ! es_pid >/dev/null; then
            warn "Elasticsearch exited during startup"
            es_log_tail
            return 1
        fi
        if ((SECONDS >= deadline)); then
            warn "Elasticsearch not healthy after ${ES_WAIT_SECONDS}s"
            es_log_tail
            return 1
        fi
        sleep 2
    done
    log "Elasticsearch ready: http://127.0.0.1:$port"
}

es_down() {
    local pid i
    pid="$(es_pid)" || { rm -f "$ES_STATE/es.pid"; return 0; }
    log "stopping Elasticsearch (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 120; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "Elasticsearch did not stop in 60s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$ES_STATE/es.pid"
}

es_status() {
    local pid
    if pid="$(es_pid)" && [[ -f "$ES_STATE/http_port" ]]; then
        local state="not responding"
        es_healthy "$(cat "$ES_STATE/http_port")" 1s 2>/dev/null && state="healthy"
        echo "elasticsearch: running (pid $pid, version $(cat "$ES_STATE/version" 2>/dev/null ||
            echo '?')) on 127.0.0.1:$(cat "$ES_STATE/http_port"), $state"
    else
        echo "elasticsearch: not running"
    fi
}

# ------------------------------------------------------------------- main --

# Runs a service function in a subshell with errexit really in force and stores its
# exit status in SVC_RC. Call it as a plain statement: inside `if`/`||`/`&&` bash
# ignores errexit for everything below, even for an explicit `set -e` in a subshell.
SVC_RC=0
run_service() {
    set +e
    (
        set -e
        "$@"
    )
    SVC_RC=$?
    set -e
}

cmd_up() {
    local env_file="$STATE_DIR/env" lines=() failed=() started=$SECONDS
    ensure_gitignore
    if want pg; then
        run_service pg_up
        if ((SVC_RC == 0)); then
            lines+=("export SHUDU_TEST_PG_URL=postgresql+psycopg://$PG_ROLE@127.0.0.1:$(cat \
                "$PG_STATE/port")/$PG_DB")
        else
            failed+=(postgresql)
        fi
    fi
    if want es; then
        run_service es_up
        if ((SVC_RC == 0)); then
            lines+=("export SHUDU_TEST_ES_URL=http://127.0.0.1:$(cat "$ES_STATE/http_port")")
        else
            failed+=(elasticsearch)
        fi
    fi
    # Keep the lines of services this run did not touch (e.g. SHUDU_SERVICES=es up).
    if [[ -f "$env_file" ]]; then
        want pg || mapfile -t -O "${#lines[@]}" lines < <(grep '^export SHUDU_TEST_PG_URL=' "$env_file" || true)
        want es || mapfile -t -O "${#lines[@]}" lines < <(grep '^export SHUDU_TEST_ES_URL=' "$env_file" || true)
    fi
    {
        echo "# written by scripts/services.sh up; source this file"
        if ((${#lines[@]})); then printf '%s\n' "${lines[@]}"; fi
    } >"$env_file.tmp"
    mv "$env_file.tmp" "$env_file"
    chmod 644 "$env_file"
    if ((${#lines[@]})); then printf '%s\n' "${lines[@]}"; fi
    log "up took $((SECONDS - started))s; env file: $env_file"
    if ((${#failed[@]})); then
        if [[ "$CI" == "true" ]]; then
            echo "[services] ERROR: could not start: ${failed[*]} (CI=true)" >&2
            return 1
        fi
        warn "could not start: ${failed[*]}; their variables are left out of $env_file"
    fi
}

cmd_down() {
    local rc=0
    if want es; then
        run_service es_down
        ((SVC_RC == 0)) || rc=1
    fi
    if want pg; then
        run_service pg_down
        ((SVC_RC == 0)) || rc=1
    fi
    # The env file names running servers: drop it only when both are down.
    if want es && want pg; then rm -f "$STATE_DIR/env"; fi
    return "$rc"
}

cmd_status() {
    pg_status
    es_status
    if [[ -f "$STATE_DIR/env" ]]; then
        echo "env file: $STATE_DIR/env"
    fi
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
        up | down | status) ;;
        *)
            echo "usage: $0 up|down|status" >&2
            exit 2
            ;;
    esac
    mkdir -p "$STATE_DIR"
    STATE_DIR="$(cd "$STATE_DIR" && pwd -P)"
    PG_STATE="$STATE_DIR/pg"
    ES_STATE="$STATE_DIR/es"
    # Serialise concurrent invocations.
    exec 9>"$STATE_DIR/.lock"
    flock -w 600 9 || { echo "[services] could not lock $STATE_DIR/.lock" >&2; exit 1; }
    "cmd_$cmd"
}

main "$@"
