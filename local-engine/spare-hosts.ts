import { DynamicProviderHost, type HostOptions } from "./dynamic-host.ts";

/**
 * Every engine run (apply, preview, refresh, destroy) gets a host process of its own, as each
 * `pulumi up` starts its language plugin's dynamic-provider host afresh. Starting one costs about a
 * second of CPU, most of it loading all of @pulumi/pulumi, and it sat on every run's critical path.
 * So once a project and stack have been run twice, each run, as it takes its host, starts the one
 * for the next run, which then finds it listening: on a machine with a core to spare, that start
 * costs no run any time. It is still a fresh process: until the run that takes it sends Configure,
 * it has been configured with nothing and has deserialized no provider, which is all the state the
 * host keeps (`providerCache` and `config` in @pulumi/pulumi/cmd/dynamic-provider/index.js).
 */

/** Runs so far per folder, project and stack: a spare is started only where runs repeat. */
const runs = new Map<string, number>();
const spares = new Map<string, Promise<DynamicProviderHost | undefined>>();

const keyOf = (options: HostOptions) => JSON.stringify([options.cwd, options.project, options.stack]);

/** A host for one run: the spare started for it when it is still running, else a new one. */
export async function takeHost(options: HostOptions): Promise<DynamicProviderHost> {
  const key = keyOf(options);
  const run = (runs.get(key) ?? 0) + 1;
  runs.set(key, run);
  const spare = spares.get(key);
  spares.delete(key);
  if (run >= 2) startSpare(key, options);
  const host = await spare;
  if (host?.running) {
    host.keepsProcessAlive(true);
    return host;
  }
  await host?.close();
  return DynamicProviderHost.start(options);
}

function startSpare(key: string, options: HostOptions): void {
  const starting = DynamicProviderHost.start(options).then(
    (host) => {
      host.keepsProcessAlive(false);
      return host;
    },
    // A spare that failed to start is no loss: the run that wanted it starts its own and reports why.
    () => undefined,
  );
  spares.set(key, starting);
}

/**
 * Ends the hosts started ahead, when the stack they were for stops, and forgets the runs counted:
 * a stack started again is new, and its first run starts no spare.
 */
export async function closeSpareHosts(): Promise<void> {
  const waiting = [...spares.values()];
  spares.clear();
  runs.clear();
  await Promise.all(waiting.map(async (spare) => (await spare)?.close()));
}
