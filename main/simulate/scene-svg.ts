/**
 * Draws a scene as SVG. Every shape is built so the object fills its box tightly: something of the
 * object touches each edge at its midpoint and covers the box's centre, so a box in the sidecar (or a
 * test sampling pixels) finds the object exactly there and only background around it.
 */
import type { Box, Label, Scene, SceneObject } from './scene.ts';

/** The colour at the centre of each class's box: what a pixel test expects to find there. */
export const CENTRE_COLOUR: Record<Label, [number, number, number]> = {
  person: [228, 87, 46], // hi-vis jacket
  car: [31, 119, 180],
  forklift: [242, 193, 46],
  pallet: [160, 82, 45],
  helmet: [255, 140, 0],
};

const hex = ([r, g, b]: [number, number, number]) =>
  `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Pixel rectangle `fx..fx+fw, fy..fy+fh` given as fractions of the object's box. */
type Rect = (fx: number, fy: number, fw: number, fh: number, fill: string, rx?: number) => string;

function drawer(box: Box, width: number, height: number): { rect: Rect; px: Box } {
  const px = { x: box.x * width, y: box.y * height, w: box.w * width, h: box.h * height };
  const n = (v: number) => Number(v.toFixed(2));
  const rect: Rect = (fx, fy, fw, fh, fill, rx = 0) =>
    `<rect x="${n(px.x + fx * px.w)}" y="${n(px.y + fy * px.h)}" width="${n(fw * px.w)}" height="${n(fh * px.h)}" rx="${n(rx)}" fill="${fill}"/>`;
  return { rect, px };
}

function person(rect: Rect, px: Box): string {
  const r = Math.min(px.w * 0.45, px.h * 0.13);
  return [
    `<circle cx="${px.x + px.w / 2}" cy="${px.y + r}" r="${r}" fill="#f1c27d"/>`,
    rect(0, (2 * r) / px.h, 1, 0.62 - (2 * r) / px.h, hex(CENTRE_COLOUR.person), 2),
    rect(0.12, 0.62, 0.76, 0.38, '#2e4057'),
    rect(0.48, 0.7, 0.04, 0.3, '#1b2636'),
  ].join('');
}

function car(rect: Rect): string {
  const body = hex(CENTRE_COLOUR.car);
  return [
    rect(0.2, 0, 0.56, 0.42, '#6fa8d6', 3),
    rect(0, 0.35, 1, 0.5, body, 4),
    rect(0.04, 0.85, 0.92, 0.15, '#333333'),
    rect(0.12, 0.78, 0.18, 0.22, '#1a1a1a', 6),
    rect(0.7, 0.78, 0.18, 0.22, '#1a1a1a', 6),
  ].join('');
}

function forklift(rect: Rect, px: Box): string {
  const r = Math.min(px.h * 0.12, px.w * 0.12);
  return [
    rect(0.12, 0, 0.1, 1, '#555555'), // mast
    rect(0.12, 0, 0.78, 0.08, '#444444'), // overhead guard
    rect(0, 0.3, 0.12, 0.62, '#3a3a3a'), // fork carriage
    rect(0.3, 0.35, 0.7, 0.5, hex(CENTRE_COLOUR.forklift), 3),
    `<circle cx="${px.x + px.w * 0.5}" cy="${px.y + px.h - r}" r="${r}" fill="#222222"/>`,
    `<circle cx="${px.x + px.w - r}" cy="${px.y + px.h - r}" r="${r}" fill="#222222"/>`,
  ].join('');
}

function pallet(rect: Rect): string {
  const wood = hex(CENTRE_COLOUR.pallet);
  return [
    rect(0, 0, 1, 0.3, wood),
    rect(0, 0.3, 0.15, 0.45, wood),
    rect(0.425, 0.3, 0.15, 0.45, wood),
    rect(0.85, 0.3, 0.15, 0.45, wood),
    rect(0, 0.75, 1, 0.25, '#7a3e22'),
  ].join('');
}

function helmet(rect: Rect, px: Box): string {
  const baseY = px.y + px.h * 0.65;
  return [
    `<path d="M${px.x} ${baseY} A${px.w / 2} ${px.h * 0.65} 0 0 1 ${px.x + px.w} ${baseY} Z" fill="${hex(CENTRE_COLOUR.helmet)}"/>`,
    rect(0, 0.62, 1, 0.38, '#d96f00', 2),
  ].join('');
}

function drawObject(object: SceneObject, width: number, height: number): string {
  const { rect, px } = drawer(object.box, width, height);
  switch (object.label) {
    case 'person':
      return person(rect, px);
    case 'car':
      return car(rect);
    case 'forklift':
      return forklift(rect, px);
    case 'pallet':
      return pallet(rect);
    case 'helmet':
      return helmet(rect, px);
  }
}

export function sceneToSvg(scene: Scene): string {
  const { width, height, background } = scene;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">',
    `<stop offset="0" stop-color="${hex(background.top)}"/><stop offset="1" stop-color="${hex(background.bottom)}"/>`,
    '</linearGradient></defs>',
    `<rect width="${width}" height="${height}" fill="url(#bg)"/>`,
    ...scene.objects.map((object) => drawObject(object, width, height)),
    '</svg>',
  ].join('');
}

/** The background colour at row `y` (pixels): what a pixel test expects outside every box. */
export function backgroundAt(
  scene: Pick<Scene, 'height' | 'background'>,
  y: number,
): [number, number, number] {
  const t = Math.min(1, Math.max(0, y / (scene.height - 1)));
  const { top, bottom } = scene.background;
  return [0, 1, 2].map((i) => Math.round(top[i]! + (bottom[i]! - top[i]!) * t)) as [number, number, number];
}
