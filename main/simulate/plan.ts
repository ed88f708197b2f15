/** Decides what each capture is: kind, where it goes, and its bytes. All randomness comes from one Rng, in order. */
import { buildJpeg, truncateJpeg } from './jpeg.ts';
import type { ResolvedSimulateOptions } from './options.ts';
import { predict } from './predictions.ts';
import type { Rng } from './random.ts';
import { renderSceneJpeg } from './render.ts';
import { makeScene } from './scene.ts';
import { csvReadings, jsonTelemetry, logLines, type TextContent } from './text-content.ts';
import type { GroundTruth } from './truth.ts';
import type { CaptureKind, PiiKind } from './types.ts';

export interface PlannedFile {
  /** Folder relative to the output root ('' for the root itself), forward slashes. */
  dir: string;
  name: string;
  /** The bytes, or (for rendered frames) how to make them: rendering is asynchronous, planning is not. */
  data: Buffer | (() => Promise<Buffer>);
}

export interface PlannedCapture {
  kind: CaptureKind;
  seq: number;
  main: PlannedFile;
  /** Written and renamed into place before `main`. */
  sidecar?: PlannedFile;
  pii: PiiKind[];
  /** Frames only: what is really in the picture and where the sidecar is wrong. */
  truth?: GroundTruth;
}

const CAMERAS = 4;
const PLCS = 2;

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export class CapturePlanner {
  private readonly rng: Rng;
  private readonly runId: string;
  private readonly opts: ResolvedSimulateOptions;
  /** Bench blobs share random filler; only their header differs, which keeps hashes unique cheaply. */
  private blobFiller: Buffer | undefined;

  constructor(rng: Rng, runId: string, opts: ResolvedSimulateOptions) {
    this.rng = rng;
    this.runId = runId;
    this.opts = opts;
  }

  plan(seq: number, now: Date): PlannedCapture {
    const kind = this.pickKind();
    switch (kind) {
      case 'image':
        return this.image(seq, now);
      case 'corrupt':
        return this.corrupt(seq, now);
      case 'empty':
        return this.empty(seq, now);
      case 'blob':
        return this.blob(seq, now);
      default:
        return this.text(kind, seq, now);
    }
  }

  private pickKind(): CaptureKind {
    const { mix } = this.opts;
    if (mix.length === 1) return mix[0]!.kind;
    const roll = this.rng.next();
    return (mix.find((entry) => roll < entry.upTo) ?? mix[mix.length - 1]!).kind;
  }

  private dir(device: string, now: Date): string {
    return this.opts.subdirs ? `${device}/${localDate(now)}` : '';
  }

  private stem(prefix: string, seq: number): string {
    return `${prefix}_${this.runId}_${String(seq).padStart(6, '0')}`;
  }

  /** A drawn scene, its predictions (with the configured share of mistakes) and the truth behind them. */
  private image(seq: number, now: Date): PlannedCapture {
    const camera = this.rng.int(1, CAMERAS);
    const dir = this.dir(`cam${camera}`, now);
    const stem = this.stem('frame', seq);
    const name = `${stem}.jpg`;
    const scene = makeScene(this.rng);
    const { sidecar, mistakes } = predict(this.rng, scene.objects, this.opts.mistakeRate);
    const exif = { make: 'EdgeCam', model: `EC-${camera}`, takenAt: now, uniqueId: stem };
    return {
      kind: 'image',
      seq,
      main: { dir, name, data: () => renderSceneJpeg(scene, exif) },
      sidecar: { dir, name: `${stem}.pred.json`, data: Buffer.from(`${JSON.stringify(sidecar)}\n`) },
      pii: [],
      truth: {
        capture: dir ? `${dir}/${name}` : name,
        width: scene.width,
        height: scene.height,
        background: scene.background,
        objects: scene.objects,
        sidecar,
        mistakes,
      },
    };
  }

  /** Half are cut-short frames, half a JPEG header followed by noise. */
  private corrupt(seq: number, now: Date): PlannedCapture {
    const camera = this.rng.int(1, CAMERAS);
    const stem = this.stem('frame', seq);
    const whole = buildJpeg({ make: 'EdgeCam', model: `EC-${camera}`, takenAt: now, uniqueId: stem });
    let data: Buffer;
    if (this.rng.chance(0.5)) {
      data = truncateJpeg(whole, this.rng.float(0.3, 0.8));
    } else {
      data = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), this.rng.bytes(this.rng.int(64, 1024))]);
      if (data[data.length - 1] === 0xd9) data[data.length - 1] = 0x00;
    }
    return {
      kind: 'corrupt',
      seq,
      main: { dir: this.dir(`cam${camera}`, now), name: `${stem}.jpg`, data },
      pii: [],
    };
  }

  private empty(seq: number, now: Date): PlannedCapture {
    const like = this.rng.pick([
      { device: `cam${this.rng.int(1, CAMERAS)}`, prefix: 'frame', ext: 'jpg' },
      { device: `plc${this.rng.int(1, PLCS)}`, prefix: 'readings', ext: 'csv' },
      { device: 'gateway', prefix: 'events', ext: 'log' },
    ]);
    const main = {
      dir: this.dir(like.device, now),
      name: `${this.stem(like.prefix, seq)}.${like.ext}`,
      data: Buffer.alloc(0),
    };
    return { kind: 'empty', seq, main, pii: [] };
  }

  private blob(seq: number, now: Date): PlannedCapture {
    const size = this.opts.fixedSize ?? this.rng.int(1024, 64 * 1024);
    if (!this.blobFiller || this.blobFiller.length < size) this.blobFiller = this.rng.bytes(size);
    const data = Buffer.from(this.blobFiller.subarray(0, size));
    data.write(`edge-sim ${this.runId} ${seq}\n`, 0, 'latin1');
    return {
      kind: 'blob',
      seq,
      main: { dir: this.dir('blobs', now), name: `${this.stem('blob', seq)}.bin`, data },
      pii: [],
    };
  }

  private text(kind: 'csv' | 'log' | 'json', seq: number, now: Date): PlannedCapture {
    const withPii = this.rng.chance(this.opts.piiShare);
    let content: TextContent;
    let dir: string;
    let name: string;
    if (kind === 'csv') {
      dir = this.dir(`plc${this.rng.int(1, PLCS)}`, now);
      name = `${this.stem('readings', seq)}.csv`;
      content = csvReadings(this.rng, now, withPii);
    } else if (kind === 'log') {
      dir = this.dir('gateway', now);
      name = `${this.stem('events', seq)}.log`;
      content = logLines(this.rng, now, withPii);
    } else {
      dir = this.dir('telemetry', now);
      name = `${this.stem('telemetry', seq)}.json`;
      content = jsonTelemetry(this.rng, now, withPii);
    }
    return { kind, seq, main: { dir, name, data: Buffer.from(content.text) }, pii: content.pii };
  }
}
