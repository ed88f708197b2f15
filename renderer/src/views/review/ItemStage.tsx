import { imagePath } from '../../../../shared/contract/index.ts';
import { formatTime } from '../../components/format.ts';
import type { Box, ReviewDetail } from '../../review/editor.ts';
import { ImageStage } from '../../review/ImageStage.tsx';
import type { CorrectedObject } from '../../review/outbox.ts';
import type { Prepared } from '../../review/use-review.ts';
import { DataPreview } from './DataPreview.tsx';

type Size = { width: number; height: number };

/** The open item: its picture with the boxes to edit (or a data preview), and the last message. */
export function ItemStage(props: {
  fileId: number | undefined;
  detail: ReviewDetail | undefined;
  prepared: Prepared | undefined;
  empty: boolean;
  /** The item could not be opened (the message says why). */
  failed: boolean;
  objects: CorrectedObject[];
  classes: readonly string[];
  selected: number | undefined;
  size: Size | undefined;
  editable: boolean;
  message: string | undefined;
  scoreOf(object: CorrectedObject): number | undefined;
  onSelect(index: number | undefined): void;
  onBox(index: number, box: Box): void;
  onAdd(box: Box): void;
  onNaturalSize(size: Size): void;
}) {
  const { fileId, detail, prepared } = props;
  return (
    <section
      className="review-stage"
      aria-label="The item"
      data-file-id={fileId !== undefined && detail ? fileId : undefined}
    >
      {fileId !== undefined && detail ? (
        <>
          <div className="item-head">
            <strong className="path" title={detail.absPath}>
              {detail.relPath}
            </strong>
            <span className={`state-chip review-${detail.reviewState}`}>{detail.reviewState}</span>
            {detail.held ? <span className="state-chip held">held for review</span> : null}
            <span className="muted">
              {detail.modelVersion ?? 'no model version'} · {formatTime(detail.discoveredAt)}
            </span>
          </div>
          {detail.contentType?.startsWith('image/') ? (
            props.size && props.editable ? (
              prepared?.pictureError ? (
                <p className="bad-text">The picture cannot be shown: {prepared.pictureError}</p>
              ) : (
                <ImageStage
                  src={prepared?.picture ?? imagePath(fileId)}
                  size={props.size}
                  objects={props.objects}
                  scoreOf={props.scoreOf}
                  classes={props.classes}
                  selected={props.selected}
                  onSelect={props.onSelect}
                  onBox={props.onBox}
                  onAdd={props.onAdd}
                  onLoaded={(natural) => !detail.imageSize && props.onNaturalSize(natural)}
                />
              )
            ) : (
              // The size comes from the picture itself: load it once, hidden.
              <img
                className="sizer"
                alt=""
                src={prepared?.picture ?? imagePath(fileId)}
                onLoad={(e) =>
                  props.onNaturalSize({
                    width: e.currentTarget.naturalWidth,
                    height: e.currentTarget.naturalHeight,
                  })
                }
              />
            )
          ) : (
            <DataPreview fileId={fileId} detail={detail} />
          )}
          {props.message ? (
            <p className="review-message" role="status">
              {props.message}
            </p>
          ) : null}
        </>
      ) : props.failed ? (
        <p className="review-message bad-text" role="status">
          {props.message ?? 'The item could not be opened.'}
        </p>
      ) : (
        <p className="empty">{props.empty ? '' : 'Loading…'}</p>
      )}
    </section>
  );
}
