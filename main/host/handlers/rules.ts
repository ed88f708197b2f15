import { type HandlerMap, siteOf } from './types.ts';

export const rulesHandlers: HandlerMap<
  'site.info' | 'config.get' | 'rules.check' | 'rules.update' | 'rules.dryRun' | 'stats.throughput'
> = {
  'site.info': (_engine, _params, host) => siteOf(host).info(),
  'config.get': (_engine, _params, host) => siteOf(host).get(),
  'rules.check': (_engine, params, host) => siteOf(host).check(params.text),
  'rules.update': async (engine, params, host) => {
    const site = siteOf(host);
    const before = site.config.rules.length;
    const saved = await site.update(params.text, params.revision);
    if (saved.ok) {
      const names = (saved.rules ?? []).map((rule) => rule.name).join(', ');
      engine.queue.note(
        'rules-changed',
        `Rules saved from the UI and applied to new files: ${saved.rules?.length ?? 0} rule(s) (were ${before}): ${names}`,
      );
      host.broadcast('config.reloaded', { at: Date.now(), warnings: saved.warnings });
    }
    return saved;
  },
  'rules.dryRun': (_engine, params, host) => siteOf(host).dryRun(params),
  'stats.throughput': (_engine, _params, host) => host.throughput.snapshot(),
};
