/**
 * CRC-32 (IEEE 802.3, the zlib and PNG checksum), incremental. `node:zlib`'s `crc32`
 * exists only from Node 22, so the table lives here. Private to lib/checkpoint.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of `bytes`, continuing from `previous` (the CRC of the bytes before). */
export const crc32 = (bytes: Uint8Array, previous = 0): number => {
  let c = ~previous;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
};
