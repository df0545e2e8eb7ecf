#!/bin/bash
# Brings compose.yaml up under its own project name, waits for the gateway and the demo catalog, runs
# the README's curl session (session.sh) against it and brings everything down again (volumes too).
#   bash scripts/compose-check/run.sh                 # podman-compose (this machine) or docker compose
#   SKIP_BUILD=1 KEEP=1 bash scripts/compose-check/run.sh
# Host ports default to ones that do not collide with a developer's own `npm start` or the local
# PostgreSQL/RabbitMQ/Redis (the infrastructure is not published at all): gateway 18080, mail 11080.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/compose-check
PROJECT=${COMPOSE_PROJECT:-mercato-compose-check}
export MERCATO_GATEWAY_PORT=${MERCATO_GATEWAY_PORT:-18080}
export MERCATO_MAIL_PORT=${MERCATO_MAIL_PORT:-11080}
export MERCATO_RABBITMQ_UI_PORT=${MERCATO_RABBITMQ_UI_PORT:-15673}
export MERCATO_JAEGER_UI_PORT=${MERCATO_JAEGER_UI_PORT:-16687}
# The fake carrier walks parcels faster than under `npm start`, so delivery and the return take seconds.
export CARRIER_AUTO_ADVANCE_MS=${CARRIER_AUTO_ADVANCE_MS:-4000}
API=http://127.0.0.1:$MERCATO_GATEWAY_PORT
MAIL=http://127.0.0.1:$MERCATO_MAIL_PORT

if [ -n "${COMPOSE:-}" ]; then
  read -r -a compose_cmd <<<"$COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  compose_cmd=(podman-compose)
fi
compose() { "${compose_cmd[@]}" -p "$PROJECT" -f compose.yaml "$@"; }
log() { printf '[compose-check] %s\n' "$*"; }

down() {
  compose down -v >/dev/null 2>&1 || true
  # podman-compose 1.0.3 leaves the project's network behind.
  if [ "${compose_cmd[0]}" = podman-compose ]; then podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true; fi
}
finish() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    log "failed (exit $rc); the last lines of every container:"
    compose logs --tail 15 2>&1 | tail -200 || true
  fi
  if [ -n "${KEEP:-}" ]; then log "KEEP set: left running (project $PROJECT)"; else
    log 'bringing everything down'
    down
  fi
  exit $rc
}

started=$(date +%s)
log "compose: ${compose_cmd[*]}, project $PROJECT, gateway $API, mail $MAIL"
down # leftovers of an earlier run: start from empty volumes
if [ -z "${SKIP_BUILD:-}" ]; then
  if [ "${compose_cmd[0]}" = podman-compose ]; then bash "$here/build-images.sh"; else compose build; fi
fi
trap finish EXIT
started=$(date +%s)
compose up -d >/dev/null 2>&1 || { compose up -d; exit 1; }
log "up -d returned after $(($(date +%s) - started)) s; waiting for the gateway and the demo catalog"

# The Hobbit in stock means: every service the catalog needs is up, the seed ran, and inventory's
# stock event reached the catalog.
deadline=$(($(date +%s) + ${COMPOSE_WAIT_S:-420}))
until curl -sf "$API/products/search?q=hobbit" 2>/dev/null | jq -e '.items[0].availability.status == "in_stock"' >/dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "the gateway or the demo catalog was not ready after ${COMPOSE_WAIT_S:-420} s"
    exit 1
  fi
  sleep 3
done
log "ready $(($(date +%s) - started)) s after start; the seed said:"
compose logs seed 2>&1 | grep -E '^seed:|^\S*\s*\|?\s*seed:' | sed 's/^/    /' || true
log 'containers:'
podman ps --filter "name=^${PROJECT}[_-]" --format '    {{.Names}}  {{.Status}}  {{.Ports}}' 2>/dev/null ||
  compose ps

API=$API MAIL=$MAIL bash "$here/session.sh"
log "services with traces (Jaeger /api/services): $(curl -s "http://127.0.0.1:$MERCATO_JAEGER_UI_PORT/api/services" | jq -c .data)"
if [ "${compose_cmd[0]}" = podman-compose ]; then
  # A service that exited (and was restarted by `restart: unless-stopped`) shows here.
  log "restarts: $(podman ps -q --filter "name=^${PROJECT}_" | xargs podman inspect --format '{{.Name}}={{.RestartCount}}' |
    sed "s/^${PROJECT}_//; s/_1=/=/" | tr '\n' ' ')"
fi
log "done $(($(date +%s) - started)) s after up"
