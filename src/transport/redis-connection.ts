/**
 * The one way the gateway's Redis stores (health, cache, budgets) connect: fail fast rather than queue. No
 * offline queue, so a command while disconnected fails at once instead of piling up behind a dead server; one
 * retry per command; ioredis reconnects by itself, soon. A client passed in is used as it is and not owned
 * (not closed by the store). Node entry only: the Worker bundle never reaches ioredis.
 */
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** A URL, ioredis options (Sentinel included), a Cluster's nodes, or a client the caller owns. */
export type RedisConnection =
  | string
  | RedisOptions
  | { cluster: ClusterNode[]; options?: ClusterOptions }
  | Redis
  | Cluster;

export interface RedisTimeouts {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** ioredis keeps a timer this long after disconnect() when the socket never opened: short, not to hold shutdown. */
  disconnectTimeoutMs: number;
}

export function connectRedis(
  connection: RedisConnection,
  timeouts: RedisTimeouts,
): { client: Redis | Cluster; owned: boolean } {
  if (connection instanceof Redis || connection instanceof Cluster) return { client: connection, owned: false };
  const failFast = {
    enableOfflineQueue: false,
    commandTimeout: timeouts.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: timeouts.connectTimeoutMs,
    disconnectTimeout: timeouts.disconnectTimeoutMs,
  };
  const reconnectSoon = (times: number) => Math.min(100 * times, 1000);
  if (typeof connection === 'string') {
    return { client: new Redis(connection, { ...failFast, retryStrategy: reconnectSoon }), owned: true };
  }
  if ('cluster' in connection) {
    const { redisOptions, ...clusterOptions } = connection.options ?? {};
    const { enableOfflineQueue: _ignored, ...nodeDefaults } = failFast;
    return {
      client: new Cluster(connection.cluster, {
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectSoon,
        ...clusterOptions,
        redisOptions: { ...nodeDefaults, ...redisOptions },
      }),
      owned: true,
    };
  }
  return { client: new Redis({ ...failFast, retryStrategy: reconnectSoon, ...connection }), owned: true };
}

/**
 * Resolves once the client is ready, has ended, or `timeoutMs` passed, whichever comes first: without an
 * offline queue the first command would otherwise fail while the socket is still opening.
 */
export function waitForFirstConnection(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  // A lazyConnect client would otherwise only connect on the first command, which fails without a queue.
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.once('ready', done);
    client.once('end', done);
  });
}
