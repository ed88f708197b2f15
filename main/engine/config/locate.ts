import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Locator } from './errors.ts';

/**
 * Maps JSON pointers to line:column in the YAML (or JSON) source, using the parser's node ranges.
 * A pointer to something missing (a required key) lands on the nearest enclosing node that exists.
 */
export function yamlLocator(doc: Document, lines: LineCounter): Locator {
  return (pointer, at) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node);
    const segments = pointer === '' ? [] : pointer.split('/').slice(1);
    for (const [index, raw] of segments.entries()) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      const last = index === segments.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key,
        );
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const valueStart = rangeStart(pair.value);
        offset = (last && at === 'key') || valueStart === undefined ? (keyStart ?? offset) : valueStart;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(key)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
