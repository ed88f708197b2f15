import * as v from 'valibot';

/** Operator control of uploads: pause and resume all of them (capture and decisions go on). */
export const operatorPauseSchema = v.nullable(
  v.object({ at: v.pipe(v.number(), v.minValue(0)), by: v.pipe(v.string(), v.maxLength(200)) }),
);
export type OperatorPauseMessage = v.InferOutput<typeof operatorPauseSchema>;

const pauseState = v.object({ paused: operatorPauseSchema });

export const UPLOADS_REQUESTS = {
  'uploads.state': { params: v.strictObject({}), result: pauseState },
  'uploads.pause': { params: v.strictObject({}), result: pauseState },
  'uploads.resume': { params: v.strictObject({}), result: pauseState },
} as const;

export const UPLOADS_EVENTS = {
  /** Sent when an operator pauses or resumes (from any UI, or `edge-capture pause|resume`). */
  'uploads.paused': pauseState,
} as const;
