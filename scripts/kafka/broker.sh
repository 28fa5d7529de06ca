#!/usr/bin/env bash
# A local Kafka broker for dstreams' tests and examples: Apache Kafka 4.4.0, one KRaft
# node (broker + controller) on 127.0.0.1, Java 17+, jars from Maven Central via mvn.
#
#   scripts/kafka/broker.sh fetch              download the jars (once; cached)
#   scripts/kafka/broker.sh start PORT DIR     format DIR and start a broker on PORT (and
#                                              PORT+1 for the controller); returns once it
#                                              serves; its pid is in DIR/broker.pid
#   scripts/kafka/broker.sh stop DIR           stop the broker started in DIR
#   scripts/kafka/broker.sh resume DIR         start it again on its data (after stop)
#
# The jars go to $DSTREAMS_KAFKA_HOME (default ~/.cache/dstreams-kafka/4.4.0/libs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${DSTREAMS_KAFKA_HOME:-$HOME/.cache/dstreams-kafka/4.4.0}"
libs="$home/libs"

die() { echo "kafka broker: $*" >&2; exit 1; }

need_java() {
  command -v java >/dev/null 2>&1 || die "java is not on PATH: install a JDK 17 or newer (e.g. apt-get install openjdk-17-jre-headless)"
}

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn is not on PATH: install Maven (apt-get install maven) to download the broker's jars, or put them in $libs"
  mkdir -p "$libs"
  echo "kafka broker: downloading Kafka 4.4.0's jars into $libs" >&2
  if ! mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime >&2; then
    die "mvn could not download the jars (is Maven Central reachable?)"
  fi
  ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1 || die "mvn finished but $libs has no kafka_2.13 jar"
  touch "$libs/.complete"
}

java_cmd() {
  java -Xms256m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -cp "$libs/*" "$@"
}

# How many times the log says the broker started (a resumed broker appends to it).
started_count() { { grep -o "Kafka Server started" "$1/broker.log" 2>/dev/null || true; } | wc -l; }

start() {
  local port="${1:?usage: broker.sh start PORT DIR}" dir="${2:?usage: broker.sh start PORT DIR}"
  need_java
  fetch
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/broker.pid" ] && kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null; then
    die "a broker started in $dir is still running (pid $(cat "$dir/broker.pid")): run broker.sh stop $dir first"
  fi
  if [ "${resume:-}" = 1 ]; then
    [ -f "$dir/server.properties" ] || die "nothing to resume in $dir: start a broker there first"
  else
    rm -rf "$dir/data"
    sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$((port + 1))|g" -e "s|@LOG_DIR@|$dir/data|g" \
      "$here/server.properties.template" >"$dir/server.properties"
    local uuid
    uuid="$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$dir/broker.log")" || die "StorageTool random-uuid failed; see $dir/broker.log"
    java_cmd kafka.tools.StorageTool format -t "$uuid" -c "$dir/server.properties" >>"$dir/broker.log" 2>&1 ||
      die "StorageTool format failed; see $dir/broker.log"
  fi
  port="$(sed -n 's|^listeners=PLAINTEXT://127.0.0.1:\([0-9]*\),.*|\1|p' "$dir/server.properties")"
  local before
  before="$(started_count "$dir")"
  # setsid: the broker gets its own session, so a test runner's Ctrl-C or process-group
  # kill does not leave it half-stopped; broker.sh stop ends it by pid.
  setsid bash -c 'exec "$@"' _ java -Xms256m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -Dlog4j2.configurationFile="$here/log4j2.yaml" -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    >>"$dir/broker.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/broker.pid"
  local waited=0
  while [ "$(started_count "$dir")" -le "$before" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/broker.log" >&2 || true
      rm -f "$dir/broker.pid"
      die "the broker exited during start-up (port $port or $((port + 1)) in use?); see $dir/broker.log"
    fi
    if [ "$waited" -ge 600 ]; then
      kill "$pid" 2>/dev/null || true
      rm -f "$dir/broker.pid"
      die "the broker did not start within 60 s; see $dir/broker.log"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "kafka broker: started on 127.0.0.1:$port (pid $pid, $dir) in $((waited / 10)) s" >&2
}

stop() {
  local dir="${1:?usage: broker.sh stop DIR}"
  [ -f "$dir/broker.pid" ] || return 0
  local pid
  pid="$(cat "$dir/broker.pid")"
  if kill "$pid" 2>/dev/null; then
    # A clean shutdown takes a few seconds; past 15 s it is killed.
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/broker.pid"
}

case "${1:-}" in
  fetch) need_java; fetch ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  resume) shift; resume=1 start 0 "$@" ;;
  *) echo "usage: $0 fetch | start PORT DIR | stop DIR | resume DIR" >&2; exit 2 ;;
esac
