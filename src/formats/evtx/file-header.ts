import { crc32 } from 'node:zlib';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
const MAGIC = Buffer.from('ElfFile\0', 'latin1');

export interface FileHeader {
  readonly firstChunk: bigint;
  readonly lastChunk: bigint;
  readonly nextRecordId: bigint;
  readonly minorVersion: number;
  readonly majorVersion: number;
  readonly chunkCount: number;
  readonly flags: number;
  readonly crcOk: boolean;
  readonly dirty: boolean;
  readonly noCrc: boolean;
}

/** Reads the 4 KiB file header; null when the signature is wrong (not an EVTX file). */
export function readFileHeader(buf: Buffer): FileHeader | null {
  if (buf.length < 128 || !buf.subarray(0, 8).equals(MAGIC)) return null;
  const flags = buf.readUInt32LE(120);
  return {
    firstChunk: buf.readBigUInt64LE(8),
    lastChunk: buf.readBigUInt64LE(16),
    nextRecordId: buf.readBigUInt64LE(24),
    minorVersion: buf.readUInt16LE(36),
    majorVersion: buf.readUInt16LE(38),
    chunkCount: buf.readUInt16LE(42),
    flags,
    crcOk: crc32(buf.subarray(0, 120)) === buf.readUInt32LE(124),
    dirty: (flags & 1) !== 0,
    noCrc: (flags & 4) !== 0,
  };
}

/** Chunks come from the file size, never from the header's count (stale in dirty files, u16 in big ones). */
export function chunkCountFromSize(fileSize: number): number {
  return Math.max(0, Math.floor((fileSize - FILE_HEADER_SIZE) / CHUNK_SIZE));
}
