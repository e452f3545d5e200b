/** A response body read for storing: all of it, or too much to store (then the stream to send instead). */
export type BufferedBody =
  | { readonly complete: true; readonly bytes: Uint8Array }
  | { readonly complete: false; readonly stream: ReadableStream<Uint8Array> | null };

/**
 * Reads a body up to `maxBytes`. A body that turns out larger is not lost: the returned stream
 * replays the chunks read so far and then the rest, so the client still gets every byte (only the
 * cache gives up). A declared `Content-Length` past the limit skips reading altogether.
 */
export async function bufferBody(response: Response, maxBytes: number): Promise<BufferedBody> {
  if (response.body === null) return { complete: true, bytes: new Uint8Array(0) };
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) return { complete: false, stream: response.body };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > maxBytes) return { complete: false, stream: replay(chunks, reader) };
  }
  if (chunks.length === 1) return { complete: true, bytes: chunks[0] as Uint8Array };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { complete: true, bytes };
}

function replay(
  chunks: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < chunks.length) {
        controller.enqueue(chunks[index++] as Uint8Array);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
