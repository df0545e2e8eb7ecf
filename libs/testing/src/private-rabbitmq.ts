// A RabbitMQ node of the test's own (a second node on this machine: its own node name, ports, data
// and config in a temporary directory, no plugins), so a test can restart the broker for real. The
// shared node on 5672 must never be stopped: other tests use it.
// As root, the node runs as the `rabbitmq` user with HOME=/var/lib/rabbitmq, so it shares that user's
// Erlang cookie and rabbitmqctl can reach it; as anyone else (a CI runner) it runs as that user with
// HOME in its own directory, where Erlang makes a cookie of its own. It registers its name with the
// machine's epmd (port 4369; Erlang starts one if none runs), like any second node on a host.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  execFileAsync,
  freeTcpPort,
  killPidFile,
  onProcessExit,
  ownedTempDir,
  sleep,
  waitForPort,
} from './private-common.ts';

export interface PrivateRabbitMQ {
  /** amqp://guest:guest@127.0.0.1:<port> */
  url: string;
  port: number;
  /** The Erlang node name, for `rabbitmqctl -n`. */
  node: string;
  /** Runs rabbitmqctl against this node; resolves with its stdout. */
  rabbitmqctl(args: string[]): Promise<string>;
  /** Every queue on the node with its ready + unacknowledged message count. */
  queues(): Promise<{ name: string; messages: number }[]>;
  /**
   * A real restart. `node` (default): the node halts (`rabbitmqctl stop`: every client connection is
   * closed, the Erlang VM exits), `downMs` with nothing listening, then the node boots again on the
   * same port with the same data (durable queues and persistent messages survive). `app`:
   * `stop_app` / `start_app`, the broker application only (faster; the VM stays up).
   */
  restart(opts?: { downMs?: number; mode?: 'node' | 'app' }): Promise<void>;
  /** Halts the node; the directory is removed. */
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;
const RUN_AS = asRoot ? 'rabbitmq' : undefined;
const RABBIT_HOME = '/var/lib/rabbitmq'; // where the rabbitmq user's .erlang.cookie lives
const BIN = '/usr/lib/rabbitmq/bin';

/** The uid/gid options that make a child run as `user` (none: as ourselves). */
function userIds(user: string | undefined): { uid?: number; gid?: number } {
  if (!user) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPrivateRabbitMQ(): Promise<PrivateRabbitMQ> {
  const dir = ownedTempDir('mercato-rabbitmq', (old) => killPidFile(path.join(old, 'rabbit.pid')), RUN_AS);
  const asUser = userIds(RUN_AS);
  const port = await freeTcpPort();
  // The distribution port defaults to port + 20000, which may be taken (25672 is the shared node's).
  const distPort = await freeTcpPort();
  const node = `${path.basename(dir).replace(/[^a-zA-Z0-9_]/g, '_')}@localhost`;
  const pidFile = path.join(dir, 'rabbit.pid');

  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    if (asUser.uid !== undefined) chownSync(p, asUser.uid, asUser.gid!);
    return p;
  };
  const configFile = file(
    'rabbitmq.conf',
    [`listeners.tcp.local = 127.0.0.1:${port}`, 'log.console = false', 'log.file.level = warning', ''].join(
      '\n',
    ),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: RUN_AS ? RABBIT_HOME : dir,
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_CONFIG_FILE: configFile,
    // Our own (empty) env file and plugin list, so /etc/rabbitmq's node name and plugins do not apply.
    RABBITMQ_CONF_ENV_FILE: file('rabbitmq-env.conf', ''),
    RABBITMQ_ENABLED_PLUGINS_FILE: file('enabled_plugins', '[].\n'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };

  const rabbitmqctl = async (args: string[]) => {
    const { stdout } = await execFileAsync(path.join(BIN, 'rabbitmqctl'), ['-n', node, ...args], {
      ...asUser,
      cwd: dir,
      env,
    });
    return stdout;
  };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const startNode = async () => {
    if (child) return;
    const out = openSync(path.join(dir, 'server.log'), 'a');
    const proc = spawn(path.join(BIN, 'rabbitmq-server'), [], {
      ...asUser,
      cwd: dir,
      env,
      stdio: ['ignore', out, out],
    });
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    await Promise.race([
      waitForPort(port, 90_000),
      exited.then(() => {
        throw new Error(`RabbitMQ node ${node} exited at boot (see ${dir}/server.log)`);
      }),
    ]);
  };
  const stopNode = async () => {
    if (!child) return;
    await rabbitmqctl(['stop']).catch(() => {});
    await Promise.race([exited, sleep(30_000)]);
    if (child) {
      killPidFile(pidFile);
      child.kill('SIGKILL');
      await exited;
    }
  };

  const cancelExitHook = onProcessExit(() => killPidFile(pidFile));
  try {
    await startNode();
  } catch (err) {
    killPidFile(pidFile);
    child?.kill('SIGKILL');
    cancelExitHook();
    throw err;
  }

  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    node,
    rabbitmqctl,
    async queues() {
      const out = await rabbitmqctl(['-q', 'list_queues', 'name', 'messages', '--no-table-headers']);
      return out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((cols) => cols.length === 2 && cols[0])
        .map(([name, messages]) => ({ name, messages: Number(messages) }));
    },
    async restart({ downMs = 0, mode = 'node' } = {}) {
      if (mode === 'app') {
        await rabbitmqctl(['stop_app']);
        await sleep(downMs);
        await rabbitmqctl(['start_app']);
        await waitForPort(port, 30_000);
        return;
      }
      await stopNode();
      await sleep(downMs);
      await startNode();
    },
    async stop() {
      await stopNode();
      cancelExitHook();
      await execFileAsync('rm', ['-rf', dir]);
    },
  };
}
