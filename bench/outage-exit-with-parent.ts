/**
 * Preloaded (`node --import`) into the gateway instances the outage benchmark starts: when the benchmark's
 * process goes away, even by SIGKILL, the IPC channel closes and the instance exits instead of lingering.
 * The channel is unref'd so that it never keeps an instance alive on its own.
 */
process.on('disconnect', () => process.exit(0));
process.channel?.unref();
