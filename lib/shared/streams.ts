/**
 * Every chunk of a web stream, for `for await`. ReadableStream is async-iterable in Node but not
 * in every browser (Safari), and not in TypeScript's DOM types.
 */
export async function* readAll<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    reader.releaseLock();
  }
}
