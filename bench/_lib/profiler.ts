/**
 * The runtime's profilers, driven in-process through `node:inspector` so
 * that a profile covers exactly the measured window:
 *
 * - `cpu`: the sampling CPU profiler (V8's on Deno and Node,
 *   JavaScriptCore's on Bun), as a DevTools `.cpuprofile`
 * - `alloc`: V8's sampling heap profiler counting every allocation, the
 *   collected ones included, as a DevTools `.heapprofile` (Deno and Node
 *   only: Bun's inspector has no HeapProfiler domain)
 *
 * `http_profile.ts` summarises both.
 *
 * @module
 */
import inspector from "node:inspector";

/** What a profile records. */
export type ProfileKind = "cpu" | "alloc";

/** A running profile. */
export interface Profiler {
  /** The file extension DevTools uses for this kind. */
  readonly extension: string;
  /** Stops the profiler; resolves to the DevTools profile object. */
  stop(): Promise<unknown>;
}

/** One inspector call as a promise. */
function post(session: inspector.Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err: Error | null, result?: unknown) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}

/** CPU samples every 100 us (V8 only; JavaScriptCore keeps its own rate). */
const kCpuIntervalMicros = 100;
/** On average one allocation sample per this many bytes. */
const kAllocIntervalBytes = 4096;

/** Starts profiling `kind` in this process. */
export async function startProfiler(kind: ProfileKind): Promise<Profiler> {
  const session = new inspector.Session();
  session.connect();
  if (kind === "alloc") {
    await post(session, "HeapProfiler.enable");
    await post(session, "HeapProfiler.startSampling", {
      samplingInterval: kAllocIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return {
      extension: "heapprofile",
      async stop() {
        const result = await post(session, "HeapProfiler.stopSampling") as { profile: unknown };
        session.disconnect();
        return result.profile;
      },
    };
  }
  await post(session, "Profiler.enable");
  await post(session, "Profiler.setSamplingInterval", { interval: kCpuIntervalMicros }).catch(
    () => {
      // Not every inspector implements it; the default rate still profiles.
    },
  );
  await post(session, "Profiler.start");
  return {
    extension: "cpuprofile",
    async stop() {
      const result = await post(session, "Profiler.stop") as { profile: unknown };
      session.disconnect();
      return result.profile;
    },
  };
}
