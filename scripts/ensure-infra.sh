#!/usr/bin/env bash
# Makes sure PostgreSQL, RabbitMQ and Redis answer on 127.0.0.1, starting the local ones if not.
set -uo pipefail
up_pg()    { pg_isready -q -h 127.0.0.1 -p 5432; }
up_redis() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
up_rabbit(){ (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
# A broker can be wedged with its port open: it accepts TCP but never starts the AMQP handshake (seen
# here after hundreds of quorum queues came and went). Ask for the handshake's first frame.
amqp_answers(){ timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672 && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 1 <&3 | grep -q .' 2>/dev/null; }
restart_rabbit(){
  pkill -9 -u rabbitmq beam.smp 2>/dev/null; pkill -9 -u rabbitmq epmd 2>/dev/null; sleep 2
  rabbitmq-server -detached >/dev/null 2>&1 || true
}
wait_for() { local name=$1 check=$2; for _ in $(seq 1 60); do $check && return 0; sleep 1; done; echo "ensure-infra: $name does not answer" >&2; return 1; }

up_pg || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
up_redis || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
if ! up_rabbit; then rabbitmqctl start_app >/dev/null 2>&1 || rabbitmq-server -detached || true; fi

wait_for PostgreSQL up_pg && wait_for Redis up_redis && wait_for RabbitMQ up_rabbit || exit 1
# The broker's port opens before the app is fully up; wait until it serves.
for _ in $(seq 1 60); do timeout 10 rabbitmqctl -q await_startup >/dev/null 2>&1 && break; sleep 1; done
if ! amqp_answers && [ -d /var/lib/rabbitmq/mnesia ]; then
  echo "ensure-infra: RabbitMQ accepts connections but does not answer AMQP: restarting it" >&2
  restart_rabbit
  if ! wait_for "RabbitMQ (AMQP)" amqp_answers; then
    # Still wedged while recovering its queues: on this machine they are all tests' leftovers.
    echo "ensure-infra: RabbitMQ still wedged: restarting it with an empty state (old one kept aside)" >&2
    pkill -9 -u rabbitmq beam.smp 2>/dev/null; sleep 2
    mv /var/lib/rabbitmq/mnesia "/var/lib/rabbitmq/mnesia.wedged-$(date +%s)"
    restart_rabbit
    wait_for "RabbitMQ (AMQP)" amqp_answers || exit 1
  fi
fi
echo "ensure-infra: PostgreSQL, RabbitMQ and Redis answer"
