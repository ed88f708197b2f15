/**
 * Runs inspections in a process of their own, so a test can watch its memory and end it if it
 * hangs. argv[2] is JSON: { inspect: ResolvedInspect, folders, targets: InspectTarget[] }.
 * Prints one JSON line: each target's warnings and predictions, or its error.
 */
import type { ResolvedInspect } from '../../main/engine/config/types.ts';
import type { ConfinedFolder } from '../../main/engine/inspect/confine.ts';
import { createInspector, type InspectTarget } from '../../main/engine/inspect/index.ts';

const { inspect, folders, targets } = JSON.parse(process.argv[2] ?? '{}') as {
  inspect: ResolvedInspect;
  folders: ConfinedFolder[];
  targets: InspectTarget[];
};
const inspector = await createInspector(inspect, { folders });
const results = await Promise.all(
  targets.map((target) =>
    inspector.inspect(target).then(
      (found) => ({
        relPath: target.relPath,
        warnings: found.warnings,
        predictions: found.predictions ?? null,
      }),
      (error: unknown) => ({ relPath: target.relPath, error: String(error) }),
    ),
  ),
);
process.stdout.write(`${JSON.stringify(results)}\n`, () => process.exit(0));
