// A file's SHA-256, streamed: an image need not fit in memory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
