import { type CatalogItemMessage, thumbnailPath } from '../../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../../components/format.ts';

/** The catalog's results as thumbnails; a click opens the file's story beside them. */
export function ResultGrid(props: {
  items: readonly CatalogItemMessage[];
  openId: number | undefined;
  onOpen(id: number): void;
}) {
  return (
    <ol className="result-grid">
      {props.items.map((item) => (
        <li
          key={item.id}
          className={item.id === props.openId ? 'result open' : 'result'}
          data-file-id={item.id}
        >
          <button
            type="button"
            className="result-open"
            aria-label={`Open ${item.relPath}`}
            aria-current={item.id === props.openId ? 'true' : undefined}
            onClick={() => props.onOpen(item.id)}
          >
            {item.contentType?.startsWith('image/') && item.sha256 ? (
              <img src={thumbnailPath(item.id)} alt="" loading="lazy" />
            ) : (
              <span className="no-thumb">{(item.contentType ?? 'file').split('/').pop()}</span>
            )}
          </button>
          <span className="result-path" title={item.relPath}>
            {item.relPath}
          </span>
          <span className="muted">
            {item.topLabel ? `${item.topLabel} ${item.topScore?.toFixed(2) ?? ''} · ` : ''}
            {formatBytes(item.size)} · {item.stored ? 'stored' : item.state}
          </span>
          <span className="muted small">{formatTime(item.capturedAt)}</span>
          {item.tags.length > 0 ? <span className="tag-line">{item.tags.join(' ')}</span> : null}
        </li>
      ))}
    </ol>
  );
}
