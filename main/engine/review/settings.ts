import type { EngineConfig } from '../../../shared/config.ts';
import type { ResolvedDestination } from '../config/destinations.ts';
import type { ResolvedConfig } from '../config/types.ts';

/**
 * The site config's `review:` section as written: `threshold` (order the queue by closeness to this
 * score, 0..1; absent: lowest top score first), `destination` (by name; default: the first default
 * destination), and the key templates of correction objects, manifests and COCO files.
 */
export type ReviewConfig = NonNullable<EngineConfig['review']>;

export interface ReviewSettings {
  threshold?: number;
  destination: ResolvedDestination;
  keyTemplate: string;
  manifestKey: string;
  cocoKey: string;
  site: string;
  device: string;
}

export const REVIEW_DEFAULTS = {
  keyTemplate: '{site}/corrections/{yyyy}/{mm}/{dd}/{id}.json',
  manifestKey: '{site}/corrections/manifests/{yyyy}-{mm}-{dd}.jsonl',
  cocoKey: '{site}/corrections/coco/{yyyy}-{mm}-{dd}.json',
} as const;

/** JSON Schema of the `review:` section (joined into the config schema). */
export const REVIEW_SCHEMA = {
  type: 'object',
  description: 'Reviewing predictions: the review queue order and where corrections go.',
  additionalProperties: false,
  properties: {
    threshold: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'Review items whose top score is closest to this first (default: lowest top score first).',
    },
    destination: {
      type: 'string',
      description:
        'Destination (by name) for corrections, daily manifests and COCO files (default: the first default destination).',
    },
    keyTemplate: {
      type: 'string',
      description: `Key of each correction object (default ${REVIEW_DEFAULTS.keyTemplate}).`,
    },
    manifestKey: {
      type: 'string',
      description: `Key of each day's JSON Lines manifest (default ${REVIEW_DEFAULTS.manifestKey}).`,
    },
    cocoKey: {
      type: 'string',
      description: `Key of each day's COCO file (default ${REVIEW_DEFAULTS.cocoKey}).`,
    },
  },
} as const;

/** review.destination must name one of the site's destinations (checked when the config is loaded). */
export function reviewDestinationIssue(
  named: string | undefined,
  destinations: readonly ResolvedDestination[],
): { message: string; hint: string } | undefined {
  if (named === undefined || destinations.some((d) => d.name === named)) return undefined;
  return {
    message: `"${named}" is not a destination.`,
    hint: `Use one of the names under destinations: ${destinations.map((d) => `"${d.name}"`).join(', ')}; corrections, manifests and COCO files go there.`,
  };
}

/** A review setting that cannot work, with the sentence that says why and what to do. */
export class ReviewSettingsError extends Error {}

export function reviewSettings(config: ResolvedConfig): ReviewSettings {
  const raw: ReviewConfig = config.raw.review ?? {};
  const named = raw.destination;
  const destination = named
    ? config.destinations.find((d) => d.name === named)
    : config.destinations.find((d) => d.name === config.defaultDestinations[0]);
  if (!destination) {
    const names = config.destinations.map((d) => `"${d.name}"`).join(', ');
    throw new ReviewSettingsError(
      `review.destination: "${named}" is not a destination. Use one of the names under destinations: ${names}.`,
    );
  }
  return {
    threshold: raw.threshold,
    destination,
    keyTemplate: raw.keyTemplate ?? REVIEW_DEFAULTS.keyTemplate,
    manifestKey: raw.manifestKey ?? REVIEW_DEFAULTS.manifestKey,
    cocoKey: raw.cocoKey ?? REVIEW_DEFAULTS.cocoKey,
    site: config.site,
    device: config.device,
  };
}

/** Fills a review key template; values are kept to one key segment each. */
export function fillKey(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) return whole;
    return value.replace(/[/\\]/g, '_');
  });
}

export function dateParts(day: string): { yyyy: string; mm: string; dd: string } {
  const [yyyy, mm, dd] = day.split('-');
  return { yyyy: yyyy!, mm: mm!, dd: dd! };
}
