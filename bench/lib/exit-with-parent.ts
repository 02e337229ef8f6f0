/**
 * Preloaded (`node --import`) into every child of the benchmark: when the benchmark's process goes away,
 * even by SIGKILL, the IPC channel closes and the child exits instead of lingering. The channel is unref'd
 * so it never keeps a child alive on its own, and nothing else is touched.
 */
process.on('disconnect', () => process.exit(0));
process.channel?.unref();
