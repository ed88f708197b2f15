/** Reads a V8 .cpuprofile (node --cpu-prof) and ranks where the time went, by self time. */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: SelfTime[];
  /** Self time summed per source file (our modules) or per npm package / node internal. */
  modules: SelfTime[];
  /** Our own functions (main/…) by inclusive time: their self time plus everything they called. */
  ours: SelfTime[];
}

/** `node_modules/@aws-sdk/core/dist/x.js` → `@aws-sdk/core`; our files relative to the repo. */
function moduleOf(url: string, repoRoot: string): string {
  if (url === '') return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(repoRoot) ? path.slice(repoRoot.length + 1) : path;
}

function functionLabel(node: ProfileNode, repoRoot: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || (url ? '(anonymous)' : '');
  if (!url) return name; // (program), (garbage collector), (idle), native builtins
  return `${name} ${moduleOf(url, repoRoot)}:${lineNumber + 1}`;
}

function rank(totals: Map<string, number>, totalMs: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
}

export async function summarizeProfile(path: string, repoRoot: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the gap to the next sample.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const ownCode = `${repoRoot}/main/`;
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const label = functionLabel(node, repoRoot);
    byFunction.set(label, (byFunction.get(label) ?? 0) + ms);
    const module = node.callFrame.url ? moduleOf(node.callFrame.url, repoRoot) : label;
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    // Each of our functions on this stack gets the time once, however deep it recurses.
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (frame?.callFrame.url.replace(/^file:\/\//, '').startsWith(ownCode)) {
        onStack.add(functionLabel(frame, repoRoot));
      }
    }
    for (const label of onStack) inclusive.set(label, (inclusive.get(label) ?? 0) + ms);
  }
  return {
    totalMs,
    functions: rank(byFunction, totalMs, top),
    modules: rank(byModule, totalMs, Math.min(top, 15)),
    ours: rank(inclusive, totalMs, top),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const line = (t: SelfTime) =>
    `  ${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.name}`;
  return [
    `CPU profile of the engine process (self time; ${(summary.totalMs / 1000).toFixed(1)} s sampled):`,
    ' top functions:',
    ...summary.functions.map(line),
    ' by module / package:',
    ...summary.modules.map(line),
    ' our functions by inclusive time (self + callees; async work counts only while on the stack):',
    ...summary.ours.map(line),
  ].join('\n');
}
