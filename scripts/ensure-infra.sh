#!/usr/bin/env bash
# Makes sure PostgreSQL, RabbitMQ and Redis answer on 127.0.0.1, starting the local ones if not.
set -uo pipefail
up_pg()    { pg_isready -q -h 127.0.0.1 -p 5432; }
up_redis() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
up_rabbit(){ (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
wait_for() { local name=$1 check=$2; for _ in $(seq 1 60); do $check && return 0; sleep 1; done; echo "ensure-infra: $name does not answer" >&2; return 1; }

up_pg || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
up_redis || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
if ! up_rabbit; then rabbitmqctl start_app >/dev/null 2>&1 || rabbitmq-server -detached || true; fi

wait_for PostgreSQL up_pg && wait_for Redis up_redis && wait_for RabbitMQ up_rabbit || exit 1
# The broker's port opens before the app is fully up; wait until it serves.
for _ in $(seq 1 60); do rabbitmqctl -q await_startup >/dev/null 2>&1 && break; sleep 1; done
echo "ensure-infra: PostgreSQL, RabbitMQ and Redis answer"
