import { type PointerEvent as ReactPointerEvent, useRef, useState } from 'react';
import { type Box, clampBox } from './editor.ts';
import type { CorrectedObject } from './outbox.ts';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0f9bb4', '#c0399a', '#808000'];

/** A class's colour, the same wherever it is drawn. */
export function classColour(label: string, classes: readonly string[]): string {
  const at = classes.indexOf(label);
  const n = at >= 0 ? at : [...label].reduce((sum, c) => sum + c.charCodeAt(0), 0);
  return PALETTE[n % PALETTE.length] ?? '#e6194b';
}

type Drag =
  | { kind: 'move'; index: number; start: { x: number; y: number }; box: Box }
  | { kind: 'resize'; index: number; corner: 'nw' | 'ne' | 'sw' | 'se'; box: Box }
  | { kind: 'draw'; start: { x: number; y: number } };

export interface ImageStageProps {
  /** The picture's URL (prefetched object URL, or the media route). */
  src: string;
  size: { width: number; height: number };
  objects: readonly CorrectedObject[];
  /** Scores of the model's predictions, shown on boxes the reviewer left as predicted. */
  scoreOf: (object: CorrectedObject) => number | undefined;
  classes: readonly string[];
  selected: number | undefined;
  onSelect(index: number | undefined): void;
  onBox(index: number, box: Box): void;
  onAdd(box: Box): void;
  onLoaded?(size: { width: number; height: number }): void;
}

/**
 * The capture with the objects drawn over it: an SVG in image pixels (viewBox) on top of the <img>,
 * so boxes stay where they are at any size. Drag a box to move it, a corner to resize it, and on the
 * picture to draw a new one (in the class picked last).
 */
export function ImageStage(props: ImageStageProps) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag>();
  const [preview, setPreview] = useState<Box>();
  const { width, height } = props.size;

  const point = (event: ReactPointerEvent): { x: number; y: number } => {
    const element = svg.current;
    const matrix = element?.getScreenCTM();
    if (!element || !matrix) return { x: 0, y: 0 };
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    return { x: Math.min(Math.max(p.x, 0), width), y: Math.min(Math.max(p.y, 0), height) };
  };

  const begin = (event: ReactPointerEvent, next: Drag) => {
    event.stopPropagation();
    event.preventDefault();
    svg.current?.setPointerCapture(event.pointerId);
    setDrag(next);
    setPreview(undefined);
  };

  const boxFor = (d: Drag, p: { x: number; y: number }): Box => {
    if (d.kind === 'move')
      return clampBox({ ...d.box, x: d.box.x + p.x - d.start.x, y: d.box.y + p.y - d.start.y }, props.size);
    if (d.kind === 'draw')
      return {
        x: Math.min(d.start.x, p.x),
        y: Math.min(d.start.y, p.y),
        w: Math.abs(p.x - d.start.x),
        h: Math.abs(p.y - d.start.y),
      };
    const { box } = d;
    const left = d.corner === 'nw' || d.corner === 'sw' ? p.x : box.x;
    const right = d.corner === 'ne' || d.corner === 'se' ? p.x : box.x + box.w;
    const top = d.corner === 'nw' || d.corner === 'ne' ? p.y : box.y;
    const bottom = d.corner === 'sw' || d.corner === 'se' ? p.y : box.y + box.h;
    return clampBox(
      {
        x: Math.min(left, right),
        y: Math.min(top, bottom),
        w: Math.abs(right - left),
        h: Math.abs(bottom - top),
      },
      props.size,
    );
  };

  const end = (event: ReactPointerEvent) => {
    if (!drag) return;
    const box = boxFor(drag, point(event));
    setDrag(undefined);
    setPreview(undefined);
    if (drag.kind === 'draw') {
      if (box.w >= 4 && box.h >= 4) props.onAdd(box);
      else props.onSelect(undefined);
    } else if (box.x !== drag.box.x || box.y !== drag.box.y || box.w !== drag.box.w || box.h !== drag.box.h) {
      props.onBox(drag.index, box);
    }
  };

  // Drawn at the same size on screen whatever the picture's size.
  const unit = Math.max(width, height) / 640;
  const dragged = drag && drag.kind !== 'draw' ? drag.index : undefined;
  return (
    <div className="stage" style={{ aspectRatio: `${width} / ${height}` }}>
      <img
        src={props.src}
        alt=""
        draggable={false}
        onLoad={(event) =>
          props.onLoaded?.({
            width: event.currentTarget.naturalWidth,
            height: event.currentTarget.naturalHeight,
          })
        }
      />
      <svg
        ref={svg}
        viewBox={`0 0 ${width} ${height}`}
        className={drag?.kind === 'draw' ? 'drawing' : undefined}
        role="img"
        aria-label={`${props.objects.length} object${props.objects.length === 1 ? '' : 's'} on the picture`}
        onPointerDown={(event) => begin(event, { kind: 'draw', start: point(event) })}
        onPointerMove={(event) => drag && setPreview(boxFor(drag, point(event)))}
        onPointerUp={end}
        onPointerCancel={() => {
          setDrag(undefined);
          setPreview(undefined);
        }}
      >
        {props.objects.map((object, index) => {
          if (!object.box) return null;
          const box = dragged === index && preview ? preview : object.box;
          const colour = classColour(object.label, props.classes);
          const score = props.scoreOf(object);
          const title = score === undefined ? object.label : `${object.label} ${score.toFixed(2)}`;
          const isSelected = props.selected === index;
          const labelWidth = (title.length * 7.2 + 8) * unit;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: objects have no identity but their place
            <g key={index} className={`object${isSelected ? ' selected' : ''}`} data-label={object.label}>
              <rect
                className="box"
                x={box.x}
                y={box.y}
                width={box.w}
                height={box.h}
                stroke={colour}
                strokeWidth={(isSelected ? 3 : 2) * unit}
                fill={isSelected ? `${colour}22` : 'transparent'}
                strokeDasharray={object.from === undefined ? `${6 * unit} ${3 * unit}` : undefined}
                onPointerDown={(event) => {
                  props.onSelect(index);
                  begin(event, { kind: 'move', index, start: point(event), box: object.box ?? box });
                }}
              />
              <rect
                x={box.x}
                y={Math.max(0, box.y - 16 * unit)}
                width={labelWidth}
                height={16 * unit}
                fill={colour}
                pointerEvents="none"
              />
              <text
                x={box.x + 4 * unit}
                y={Math.max(0, box.y - 16 * unit) + 12 * unit}
                fontSize={12 * unit}
                fill="#fff"
                pointerEvents="none"
              >
                {title}
              </text>
              {isSelected
                ? (['nw', 'ne', 'sw', 'se'] as const).map((corner) => (
                    <rect
                      key={corner}
                      className={`handle ${corner}`}
                      x={(corner.endsWith('w') ? box.x : box.x + box.w) - 5 * unit}
                      y={(corner.startsWith('n') ? box.y : box.y + box.h) - 5 * unit}
                      width={10 * unit}
                      height={10 * unit}
                      fill="#fff"
                      stroke={colour}
                      strokeWidth={2 * unit}
                      onPointerDown={(event) =>
                        begin(event, { kind: 'resize', index, corner, box: object.box ?? box })
                      }
                    />
                  ))
                : null}
            </g>
          );
        })}
        {drag?.kind === 'draw' && preview ? (
          <rect
            className="box new"
            x={preview.x}
            y={preview.y}
            width={preview.w}
            height={preview.h}
            fill="transparent"
            stroke="#fff"
            strokeWidth={2 * unit}
            strokeDasharray={`${6 * unit} ${3 * unit}`}
          />
        ) : null}
      </svg>
    </div>
  );
}
