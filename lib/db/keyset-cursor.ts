/**
 * Keyset pagination: a page ends at its last row's sort time and id, handed to the client as an
 * opaque cursor. The time stays the string the database sent, so no precision is lost.
 */
export const encodeKeysetCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString("base64url");

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Undefined for anything that is not such a cursor with a valid time and an id matching `idPattern`. */
export function decodeKeysetCursor(value: string | undefined, idPattern: RegExp): { at: string; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(value ?? "", "base64url").toString("utf8")) as unknown[];
    if (typeof at !== "string" || Number.isNaN(Date.parse(at)) || typeof id !== "string" || !idPattern.test(id)) return undefined;
    return { at, id };
  } catch {
    return undefined;
  }
}
