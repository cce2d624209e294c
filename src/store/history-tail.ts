import { fstat, read } from 'node:fs';
import { promisify } from 'node:util';
import { closeFd, openFd } from './durable-fs.js';

/*
 * The newest lines of a JSONL history, read backwards from the end in chunks:
 * the cost of a page is the bytes of that page (plus one chunk), not the size
 * of the file. A history grows by one check per interval for weeks, and the
 * API's "last check" and the paged history endpoint must not parse 100,000
 * lines per request while checks wait for the disk.
 */

const fstatFd = promisify(fstat);
const readFd = promisify(read);

const CHUNK = 64 * 1024;

export interface TailRead {
  /** complete non-empty lines, oldest first */
  readonly lines: string[];
  /** whether older lines exist before the first one returned */
  readonly more: boolean;
  readonly bytesRead: number;
}

/**
 * Skips the `skip` newest non-empty lines and returns up to `limit` before
 * them. Reads only as far back as needed. `limit` Infinity reads the whole file.
 */
export async function readTailLines(file: string, skip: number, limit: number): Promise<TailRead> {
  const fd = await openFd(file, 'r');
  try {
    const { size } = await fstatFd(fd);
    const wanted = skip + limit;
    const lines: string[] = [];
    let seen = 0;
    let bytesRead = 0;
    let position = size;
    // bytes of a line that started before the chunk read last: completed by the next (older) chunk
    let carry: Buffer = Buffer.alloc(0);
    const take = (raw: Buffer): boolean => {
      const line = raw.toString('utf8');
      if (line.trim() === '') return false;
      seen += 1;
      if (seen > skip && seen <= wanted) lines.push(line);
      return seen > wanted;
    };
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead: n } = await readFd(fd, chunk, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      bytesRead += got;
      let buf = carry.length > 0 ? Buffer.concat([chunk.subarray(0, got), carry]) : chunk.subarray(0, got);
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (take(buf.subarray(i + 1, end))) return { lines: lines.reverse(), more: true, bytesRead };
        end = i;
      }
      buf = buf.subarray(0, end);
      carry = Buffer.from(buf);
    }
    if (carry.length > 0 && take(carry)) return { lines: lines.reverse(), more: true, bytesRead };
    return { lines: lines.reverse(), more: false, bytesRead };
  } finally {
    await closeFd(fd);
  }
}
