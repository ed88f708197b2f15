import { randomUUID } from 'node:crypto';
import { Catalog } from '../../engine/catalog/catalog.ts';
import { Datasets } from '../../engine/catalog/datasets.ts';
import { exportDataset } from '../../engine/catalog/export.ts';
import { queueMissingMembers } from '../../engine/catalog/queue-members.ts';
import { CatalogError } from '../../engine/catalog/types.ts';
import { exportTargetFor } from '../../engine/export/target.ts';
import type { HostedEngine } from '../hosted-engine.ts';
import { type HandlerMap, type HostContext, RequestFailed } from './types.ts';

interface CatalogOfEngine {
  catalog: Catalog;
  datasets: Datasets;
}

const perEngine = new WeakMap<HostedEngine, CatalogOfEngine>();

/** The engine's catalog and data sets, made on first use and kept for its life. */
function catalogOf(engine: HostedEngine): CatalogOfEngine {
  let found = perEngine.get(engine);
  if (!found) {
    const folderDevices = () =>
      new Map((engine.config?.folders ?? []).map((folder) => [folder.id, folder.device] as const));
    const catalog = new Catalog(engine.queue, { folderDevices });
    found = { catalog, datasets: new Datasets(engine.queue.path, engine.queue, catalog) };
    perEngine.set(engine, found);
  }
  return found;
}

/** Catalog errors are sentences for the UI; anything else is the host's to report. */
function asked<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof CatalogError) throw new RequestFailed(error.message);
    throw error;
  }
}

export const catalogHandlers: HandlerMap<
  'catalog.search' | 'catalog.facets' | 'datasets.save' | 'datasets.list' | 'datasets.export'
> = {
  'catalog.search': (engine, params) => asked(() => catalogOf(engine).catalog.search(params)),

  'catalog.facets': (engine, params) => asked(() => catalogOf(engine).catalog.facets(params.filter)),

  'datasets.save': (engine, params) =>
    asked(() => {
      const known = engine.config?.destinations.map((d) => d.name);
      if (params.destination !== undefined && known && !known.includes(params.destination)) {
        throw new CatalogError(
          'bad-filter',
          `There is no destination named "${params.destination}"; this site has ${known.join(', ')}.`,
        );
      }
      return { dataset: catalogOf(engine).datasets.save({ ...params, by: 'the Catalog view' }) };
    }),

  'datasets.list': (engine) => ({ datasets: catalogOf(engine).datasets.list() }),

  'datasets.export': (engine, params, host) => {
    const { datasets } = catalogOf(engine);
    const dataset = datasets.get(params.id);
    if (!dataset) throw new RequestFailed(`There is no data set with id ${params.id}.`);
    const config = engine.config;
    if (!config)
      throw new RequestFailed(
        'This engine was started without a site config, so it has no destination to export to.',
      );
    const name = dataset.destination ?? config.defaultDestinations[0] ?? config.destinations[0]?.name;
    const destination = config.destinations.find((d) => d.name === name);
    if (!destination)
      throw new RequestFailed(`The data set's destination "${name}" is not in the site config.`);
    const exportId = randomUUID();
    void runExport(engine, host, {
      exportId,
      datasetId: dataset.id,
      destination: destination.name,
      uploadMissing: params.uploadMissing === true,
    });
    return { exportId };
  },
};

/** Runs one export in the background; every step and the outcome go out as `datasets.export` events. */
async function runExport(
  engine: HostedEngine,
  host: HostContext,
  job: { exportId: string; datasetId: number; destination: string; uploadMissing: boolean },
): Promise<void> {
  const { datasets } = catalogOf(engine);
  const dataset = datasets.get(job.datasetId)!;
  const config = engine.config!;
  const send = (
    event: Omit<Parameters<typeof host.broadcast<'datasets.export'>>[1], 'exportId' | 'dataset'>,
  ) => host.broadcast('datasets.export', { exportId: job.exportId, dataset: dataset.name, ...event });
  const target = exportTargetFor(
    config.destinations.find((d) => d.name === job.destination)?.config,
    config.dataDir,
  );
  try {
    let queued: ReturnType<typeof queueMissingMembers> | undefined;
    if (job.uploadMissing) {
      send({ phase: 'queue', done: 0, total: dataset.members });
      queued = { queued: 0, already: 0, refused: [] };
      for (let after = 0; ; ) {
        const ids = datasets.memberIds(dataset.id, after, 500);
        if (ids.length === 0) break;
        const part = queueMissingMembers(engine.queue, ids, {
          destination: job.destination,
          dataset: dataset.name,
          keyFor: (file) => host.site?.objectKeyFor(file),
        });
        queued.queued += part.queued;
        queued.already += part.already;
        queued.refused.push(...part.refused.slice(0, 100 - queued.refused.length));
        after = ids.at(-1)!;
      }
    }
    const outcome = await exportDataset({
      dataset,
      datasets,
      reader: engine.queue,
      target,
      destination: job.destination,
      site: config.site,
      devices: new Map(config.folders.map((folder) => [folder.id, folder.device])),
      onProgress: (progress) => {
        if (progress.phase !== 'done')
          send({ phase: progress.phase, done: progress.done, total: progress.total });
      },
    });
    send({
      phase: 'done',
      done: outcome.files,
      total: dataset.members,
      outcome: { ...outcome, destination: job.destination, ...(queued ? { queued } : {}) },
    });
  } catch (error) {
    send({
      phase: 'failed',
      done: 0,
      total: dataset.members,
      error: error instanceof Error ? error.message : String(error),
    });
  } finally {
    target.close();
  }
}
