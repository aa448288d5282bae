import { validation } from '../core/errors';

/** maxResults when the caller gives none (the default is undocumented; proton-api.md §5). */
export const DEFAULT_MAX_RESULTS = 100;

export interface Page<T> {
  readonly items: T[];
  /** Present only when more items follow. */
  readonly nextToken?: string;
}

/**
 * One page of `items` (already in their stable list order). The token is the base64 of the
 * offset of the next item, which satisfies the model's NextToken pattern `^[A-Za-z0-9+=/]+$`;
 * a token this function did not hand out is a ValidationException.
 */
export function paginate<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined): Page<T> {
  const start = nextToken === undefined ? 0 : decodeOffset(nextToken);
  const end = start + (maxResults ?? DEFAULT_MAX_RESULTS);
  const page = items.slice(start, end);
  return end < items.length ? { items: page, nextToken: encodeOffset(end) } : { items: page };
}

function encodeOffset(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeOffset(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!match) {
    throw validation(`The nextToken '${token}' is not valid: pass the nextToken returned by the previous call of this operation.`);
  }
  return Number(match[1]);
}
