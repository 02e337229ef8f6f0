/** The Worker under workerd, shared with bench/overhead/workers.ts (bench/ never imports test/, so it lives there). */
export * from '../../bench/lib/workerd.ts';
